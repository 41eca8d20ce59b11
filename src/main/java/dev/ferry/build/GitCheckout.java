package dev.ferry.build;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

/**
 * Checks out one commit of a Git repository into a build directory with JGit: shallow for a branch or tag,
 * a full clone only when an older commit is asked for. The {@code .git} directory is removed afterwards so
 * the build sees the files of that commit and nothing of the history.
 */
public final class GitCheckout {

  /** The checked-out commit, as the deployment records it. */
  public record Checkout(String commitSha, String commitMessage, String commitAuthor) {}

  /** A checkout that failed; the message is meant for the user (it ends up in the build log). */
  public static final class CheckoutException extends RuntimeException {
    public CheckoutException(String message) {
      super(message);
    }

    public CheckoutException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** How long the worker may take to notice a timeout and clean up before the caller gets control back. */
  private static final long CLEANUP_GRACE_MILLIS = 5_000;

  private GitCheckout() {}

  /**
   * @param ref a branch, a tag, or a commit SHA (7 to 40 hex digits); null or blank for the remote's default
   *     branch
   * @param targetDir must not exist or be empty; left empty when the checkout fails
   */
  public static Checkout checkout(String repoUrl, String ref, Path targetDir, Optional<String> accessToken,
      Duration timeout, boolean allowLocalRepositories) {
    return checkout(repoUrl, ref, targetDir, accessToken, timeout, Long.MAX_VALUE, allowLocalRepositories);
  }

  /**
   * @param maxBytes what the checkout may put on disk, fetched objects and checked-out files together; a larger
   *     repository fails the checkout
   */
  public static Checkout checkout(String repoUrl, String ref, Path targetDir, Optional<String> accessToken,
      Duration timeout, long maxBytes, boolean allowLocalRepositories) {
    String url = RepositoryUrlPolicy.check(repoUrl, allowLocalRepositories);
    requireEmpty(targetDir);
    AtomicBoolean abandoned = new AtomicBoolean();
    CheckoutSizeLimit sizeLimit = new CheckoutSizeLimit(targetDir, maxBytes);
    CommitFetcher fetcher = new CommitFetcher(url, credentials(accessToken), timeout,
        () -> abandoned.get() || sizeLimit.exceeded());
    FutureTask<Checkout> task = new FutureTask<>(() -> checkoutOrCleanUp(fetcher, ref, targetDir, sizeLimit, url));
    Thread worker = new Thread(task, "git-checkout");
    worker.setDaemon(true);
    worker.start();
    try {
      return task.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      abandon(task, worker, abandoned);
      throw new CheckoutException("Checkout of " + url + " timed out after " + timeout.toSeconds() + "s");
    } catch (InterruptedException e) {
      abandon(task, worker, abandoned);
      Thread.currentThread().interrupt();
      throw new CheckoutException("Checkout of " + url + " was interrupted");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof CheckoutException failure) {
        throw failure;
      }
      throw new CheckoutException("Checkout of " + url + " failed: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** HTTPS basic auth the way GitHub, GitLab and Gitea accept an access token; null when there is none. */
  static CredentialsProvider credentials(Optional<String> accessToken) {
    return accessToken.filter(token -> !token.isBlank())
        .map(token -> new UsernamePasswordCredentialsProvider("x-access-token", token))
        .orElse(null);
  }

  private static Checkout checkoutOrCleanUp(CommitFetcher fetcher, String ref, Path targetDir,
      CheckoutSizeLimit sizeLimit, String url) throws IOException {
    boolean done = false;
    try {
      Checkout checkout;
      try {
        checkout = fetcher.fetch(ref, targetDir);
      } catch (RuntimeException | IOException e) {
        if (sizeLimit.exceededNow()) {
          throw tooLarge(url, sizeLimit);
        }
        throw e;
      }
      if (sizeLimit.exceededNow()) {
        throw tooLarge(url, sizeLimit);
      }
      deleteRecursively(targetDir.resolve(".git"));
      done = true;
      return checkout;
    } finally {
      if (!done) {
        deleteContents(targetDir);
      }
    }
  }

  private static CheckoutException tooLarge(String url, CheckoutSizeLimit sizeLimit) {
    return new CheckoutException("Repository " + url + " is larger than this server's limit of "
        + sizeLimit.maxBytes() / (1024 * 1024) + " MiB for a checkout");
  }

  /** JGit polls the cancellation flag; the grace period lets it stop and clean up before the caller moves on. */
  private static void abandon(FutureTask<Checkout> task, Thread worker, AtomicBoolean abandoned) {
    abandoned.set(true);
    worker.interrupt();
    try {
      task.get(CLEANUP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException ignored) {
      // The checkout failed anyway; the caller is told so.
    }
  }

  /** Checked up front: on failure the target is emptied, which must never hit files the caller put there. */
  private static void requireEmpty(Path targetDir) {
    if (!Files.isDirectory(targetDir)) {
      if (Files.exists(targetDir, LinkOption.NOFOLLOW_LINKS)) {
        throw new IllegalArgumentException("checkout target " + targetDir + " is not a directory");
      }
      return;
    }
    try (Stream<Path> children = Files.list(targetDir)) {
      if (children.findAny().isPresent()) {
        throw new IllegalArgumentException("checkout target " + targetDir + " is not empty");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteContents(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> children = Files.list(dir)) {
      for (Path child : children.toList()) {
        deleteRecursively(child);
      }
    }
  }

  static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(each);
      }
    }
  }
}
