package dev.ferry.build;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.FetchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.LsRemoteCommand;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.api.errors.JGitInternalException;
import org.eclipse.jgit.dircache.DirCacheCheckout;
import org.eclipse.jgit.lib.AbbreviatedObjectId;
import org.eclipse.jgit.lib.ConfigConstants;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.EmptyProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.lib.SubmoduleConfig.FetchRecurseSubmodulesMode;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;

/** The JGit side of {@link GitCheckout}: resolves the ref against the remote and fetches just enough. */
final class CommitFetcher {

  private static final Pattern COMMIT_SHA = Pattern.compile("[0-9a-fA-F]{7,40}");

  private final String url;
  private final CredentialsProvider credentials;
  private final int transportTimeoutSeconds;
  private final ProgressMonitor monitor;

  CommitFetcher(String url, CredentialsProvider credentials, Duration timeout, BooleanSupplier abandoned) {
    this.url = url;
    this.credentials = credentials;
    this.transportTimeoutSeconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toSeconds()));
    this.monitor = new CancellationMonitor(abandoned);
  }

  GitCheckout.Checkout fetch(String ref, Path targetDir) throws IOException {
    String wanted = ref == null ? "" : ref.strip();
    Map<String, Ref> remoteRefs = listRemoteRefs(wanted.isEmpty());
    if (remoteRefs.isEmpty()) {
      throw new GitCheckout.CheckoutException("Repository " + url + " is empty");
    }
    if (wanted.isEmpty()) {
      return shallowClone(defaultBranch(remoteRefs), targetDir);
    }
    Optional<Ref> named = namedRef(wanted, remoteRefs);
    if (named.isPresent()) {
      return shallowClone(named.get().getName(), targetDir);
    }
    if (COMMIT_SHA.matcher(wanted).matches()) {
      return commit(wanted.toLowerCase(Locale.ROOT), remoteRefs, targetDir);
    }
    throw notFound(wanted);
  }

  private Map<String, Ref> listRemoteRefs(boolean includeHead) {
    // HEAD is only advertised when no ref prefix is asked for, which lists every ref (e.g. GitHub's pull/*).
    LsRemoteCommand command = configure(Git.lsRemoteRepository().setRemote(url))
        .setHeads(!includeHead)
        .setTags(!includeHead);
    try {
      return command.callAsMap();
    } catch (GitAPIException | JGitInternalException e) {
      throw failure(e);
    }
  }

  private String defaultBranch(Map<String, Ref> remoteRefs) {
    Ref head = remoteRefs.get(Constants.HEAD);
    if (head != null && head.isSymbolic()) {
      return head.getTarget().getName();
    }
    ObjectId headId = head == null ? null : head.getObjectId();
    return remoteRefs.values().stream()
        .filter(ref -> ref.getName().startsWith(Constants.R_HEADS) && ref.getObjectId().equals(headId))
        .map(Ref::getName)
        .findFirst()
        .orElseThrow(() -> new GitCheckout.CheckoutException(
            "Could not determine the default branch of " + url + "; name a branch instead"));
  }

  private static Optional<Ref> namedRef(String wanted, Map<String, Ref> remoteRefs) {
    return Optional.ofNullable(remoteRefs.get(Constants.R_HEADS + wanted))
        .or(() -> Optional.ofNullable(remoteRefs.get(Constants.R_TAGS + wanted)))
        .or(() -> wanted.startsWith(Constants.R_REFS) ? Optional.ofNullable(remoteRefs.get(wanted)) : Optional.empty());
  }

  /** A commit at the tip of a branch or tag (the usual push webhook) is fetched shallow; any other needs history. */
  private GitCheckout.Checkout commit(String sha, Map<String, Ref> remoteRefs, Path targetDir) throws IOException {
    Optional<Ref> tip = remoteRefs.values().stream()
        .filter(ref -> ref.getName().startsWith(Constants.R_HEADS) || ref.getName().startsWith(Constants.R_TAGS))
        .filter(ref -> commitId(ref).name().startsWith(sha))
        .findFirst();
    if (tip.isPresent()) {
      GitCheckout.Checkout checkout = shallowClone(tip.get().getName(), targetDir);
      if (checkout.commitSha().startsWith(sha)) {
        return checkout;
      }
      // The branch moved on between listing and cloning.
      GitCheckout.deleteRecursively(targetDir);
    }
    return fullCloneAt(sha, targetDir);
  }

  private GitCheckout.Checkout shallowClone(String refName, Path targetDir) {
    // Branches land under refs/remotes: the fresh repository's unborn HEAD may name the very same branch.
    String localName = refName.startsWith(Constants.R_HEADS)
        ? Constants.R_REMOTES + "origin/" + Repository.shortenRefName(refName)
        : refName;
    RefSpec spec = new RefSpec("+" + refName + ":" + localName);
    try (Git git = fetchInto(targetDir, List.of(spec), 1); RevWalk walk = new RevWalk(git.getRepository())) {
      Ref fetched = git.getRepository().exactRef(localName);
      if (fetched == null) {
        throw notFound(Repository.shortenRefName(refName));
      }
      RevCommit commit = walk.parseCommit(fetched.getObjectId());
      checkOutDetached(git.getRepository(), commit);
      return describe(commit);
    } catch (GitAPIException | JGitInternalException | IOException e) {
      throw failure(e);
    }
  }

  private GitCheckout.Checkout fullCloneAt(String sha, Path targetDir) {
    List<RefSpec> everything = List.of(
        new RefSpec("+refs/heads/*:refs/remotes/origin/*"), new RefSpec("+refs/tags/*:refs/tags/*"));
    try (Git git = fetchInto(targetDir, everything, 0);
        ObjectReader reader = git.getRepository().newObjectReader();
        RevWalk walk = new RevWalk(reader)) {
      RevCommit commit = findCommit(reader, walk, sha);
      checkOutDetached(git.getRepository(), commit);
      return describe(commit);
    } catch (GitAPIException | JGitInternalException | IOException e) {
      throw failure(e);
    }
  }

  /**
   * Init and fetch rather than JGit's clone: a fetch ends with an automatic GC that by default runs detached
   * on a background thread, and it must not still be writing into {@code .git} when that is removed.
   */
  private Git fetchInto(Path targetDir, List<RefSpec> specs, int depth) throws GitAPIException, IOException {
    Git git = Git.init().setDirectory(targetDir.toFile()).call();
    try {
      StoredConfig config = git.getRepository().getConfig();
      config.setInt(ConfigConstants.CONFIG_GC_SECTION, null, ConfigConstants.CONFIG_KEY_AUTO, 0);
      config.setBoolean(ConfigConstants.CONFIG_GC_SECTION, null, ConfigConstants.CONFIG_KEY_AUTODETACH, false);
      config.save();
      FetchCommand fetch = configure(git.fetch())
          .setRemote(url)
          .setRefSpecs(specs)
          .setTagOpt(TagOpt.NO_TAGS)
          .setRecurseSubmodules(FetchRecurseSubmodulesMode.NO)
          .setProgressMonitor(monitor);
      if (depth > 0) {
        fetch.setDepth(depth);
      }
      fetch.call();
      return git;
    } catch (GitAPIException | IOException | RuntimeException e) {
      git.close();
      throw e;
    }
  }

  private RevCommit findCommit(ObjectReader reader, RevWalk walk, String sha) throws IOException {
    Collection<ObjectId> matches = reader.resolve(AbbreviatedObjectId.fromString(sha));
    RevCommit found = null;
    for (ObjectId id : matches) {
      RevObject object = walk.parseAny(id);
      if (object instanceof RevCommit commit) {
        if (found != null) {
          throw new GitCheckout.CheckoutException(
              "Commit '" + sha + "' is ambiguous in " + url + "; give more of its digits");
        }
        found = commit;
      }
    }
    if (found == null) {
      throw notFound(sha);
    }
    return found;
  }

  private void checkOutDetached(Repository repository, RevCommit commit) throws IOException {
    DirCacheCheckout checkout = new DirCacheCheckout(repository, repository.lockDirCache(), commit.getTree());
    checkout.setProgressMonitor(monitor);
    checkout.checkout();
    RefUpdate head = repository.updateRef(Constants.HEAD, true);
    head.setNewObjectId(commit);
    RefUpdate.Result result = head.forceUpdate();
    if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED && result != RefUpdate.Result.NO_CHANGE) {
      throw new IOException("could not point HEAD at " + commit.name() + ": " + result);
    }
  }

  private static GitCheckout.Checkout describe(RevCommit commit) {
    PersonIdent author = commit.getAuthorIdent();
    return new GitCheckout.Checkout(
        commit.name(), commit.getFullMessage().strip(), author.getName() + " <" + author.getEmailAddress() + ">");
  }

  private static ObjectId commitId(Ref ref) {
    return ref.getPeeledObjectId() != null ? ref.getPeeledObjectId() : ref.getObjectId();
  }

  private <C extends TransportCommand<C, ?>> C configure(C command) {
    command.setTimeout(transportTimeoutSeconds);
    if (credentials != null) {
      command.setCredentialsProvider(credentials);
    }
    return command;
  }

  private GitCheckout.CheckoutException notFound(String wanted) {
    return new GitCheckout.CheckoutException("Branch or commit '" + wanted + "' not found in " + url);
  }

  private GitCheckout.CheckoutException failure(Exception e) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("not authorized") || message.contains("Authentication is required")) {
      return new GitCheckout.CheckoutException(
          "Access to " + url + " was denied: the repository is private or the access token is not valid", e);
    }
    return new GitCheckout.CheckoutException("Could not fetch " + url + ": " + message, e);
  }

  /** Lets JGit stop a fetch or checkout that {@link GitCheckout} has given up on. */
  private static final class CancellationMonitor extends EmptyProgressMonitor {
    private final BooleanSupplier abandoned;

    CancellationMonitor(BooleanSupplier abandoned) {
      this.abandoned = abandoned;
    }

    @Override
    public boolean isCancelled() {
      return abandoned.getAsBoolean() || Thread.currentThread().isInterrupted();
    }
  }
}
