package dev.ferry.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.build.GitCheckout.Checkout;
import dev.ferry.build.GitCheckout.CheckoutException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.URIish;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GitCheckoutTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final PersonIdent ADA = new PersonIdent("Ada Lovelace", "ada@example.com");

  @TempDir static Path source;

  /**
   * main: first → second (HEAD); feature: second → third; master: first (the name a fresh repository's HEAD
   * points to); tags v1.0 (annotated) on first, light on second.
   */
  private static RevCommit first;
  private static RevCommit second;
  private static RevCommit third;

  @TempDir Path target;

  @BeforeAll
  static void createRepository() throws Exception {
    try (Git git = Git.init().setDirectory(source.toFile()).setInitialBranch("main").call()) {
      first = commit(git, "README.md", "# Demo\n", "First commit");
      git.tag().setName("v1.0").setAnnotated(true).setMessage("Release 1.0").setTagger(ADA).setObjectId(first).call();
      second = commit(git, "index.html", "<h1>Hello</h1>\n", "Add the home page\n\nWith a body line.");
      git.tag().setName("light").setAnnotated(false).setObjectId(second).call();
      git.checkout().setCreateBranch(true).setName("feature").call();
      third = commit(git, "feature.txt", "new\n", "Feature work");
      git.checkout().setName("main").call();
      git.branchCreate().setName("master").setStartPoint(first).call();
    }
  }

  private static RevCommit commit(Git git, String file, String content, String message) throws Exception {
    Files.writeString(source.resolve(file), content);
    git.add().addFilepattern(file).call();
    return git.commit().setMessage(message).setAuthor(ADA).setCommitter(ADA).call();
  }

  private Checkout checkout(String ref) {
    return GitCheckout.checkout(source.toUri().toString(), ref, target, Optional.empty(), TIMEOUT, true);
  }

  @Test
  void checksOutTheDefaultBranchWhenNoRefIsGiven() {
    Checkout checkout = checkout(null);

    assertEquals(second.name(), checkout.commitSha());
    assertEquals(List.of("README.md", "index.html"), files());
  }

  @Test
  void aBlankRefMeansTheDefaultBranch() {
    assertEquals(second.name(), checkout("  ").commitSha());
  }

  @Test
  void reportsTheCommitMessageAndAuthor() {
    Checkout checkout = checkout("main");

    assertEquals("Add the home page\n\nWith a body line.", checkout.commitMessage());
    assertEquals("Ada Lovelace <ada@example.com>", checkout.commitAuthor());
  }

  @Test
  void checksOutABranch() {
    Checkout checkout = checkout("feature");

    assertEquals(third.name(), checkout.commitSha());
    assertEquals(List.of("README.md", "feature.txt", "index.html"), files());
  }

  @Test
  void checksOutABranchNamedLikeTheDefaultOfAFreshRepository() {
    assertEquals(first.name(), checkout("master").commitSha());
    assertEquals(List.of("README.md"), files());
  }

  @Test
  void checksOutAnAnnotatedTag() {
    Checkout checkout = checkout("v1.0");

    assertEquals(first.name(), checkout.commitSha());
    assertEquals(List.of("README.md"), files());
  }

  @Test
  void checksOutALightweightTag() {
    assertEquals(second.name(), checkout("light").commitSha());
  }

  @Test
  void checksOutTheFullShaOfABranchTip() {
    Checkout checkout = checkout(third.name());

    assertEquals(third.name(), checkout.commitSha());
    assertEquals(List.of("README.md", "feature.txt", "index.html"), files());
  }

  @Test
  void checksOutAnAbbreviatedShaOfAnOlderCommit() throws Exception {
    Checkout checkout = checkout(first.name().substring(0, 7).toUpperCase());

    assertEquals(first.name(), checkout.commitSha());
    assertEquals("First commit", checkout.commitMessage());
    assertEquals(List.of("README.md"), files());
    assertEquals("# Demo\n", Files.readString(target.resolve("README.md")));
  }

  @Test
  void checksOutTheFullShaOfAnOlderCommit() {
    assertEquals(first.name(), checkout(first.name()).commitSha());
    assertEquals(List.of("README.md"), files());
  }

  @Test
  void removesTheGitDirectory() {
    checkout("main");

    assertFalse(Files.exists(target.resolve(".git")));
  }

  @Test
  void fetchesABranchShallow() throws Exception {
    new CommitFetcher(source.toUri().toString(), null, TIMEOUT, () -> false).fetch("main", target);

    assertTrue(Files.isRegularFile(target.resolve(".git/shallow")), "a branch checkout must be shallow");
  }

  @ParameterizedTest
  @ValueSource(strings = {"nope", "deadbeef", "refs/heads/nope"})
  void reportsAnUnknownRefAndLeavesTheTargetEmpty(String ref) {
    CheckoutException e = assertThrows(CheckoutException.class, () -> checkout(ref));

    assertEquals("Branch or commit '" + ref + "' not found in " + source.toUri(), e.getMessage());
    assertEquals(List.of(), files());
  }

  @Test
  void acceptsAPlainLocalPathWhenLocalRepositoriesAreAllowed() {
    Checkout checkout =
        GitCheckout.checkout(source.toString(), "main", target, Optional.empty(), TIMEOUT, true);

    assertEquals(second.name(), checkout.commitSha());
  }

  @Test
  void refusesLocalRepositoriesUnlessAllowed() {
    for (String url : List.of(source.toUri().toString(), source.toString())) {
      CheckoutException e = assertThrows(CheckoutException.class,
          () -> GitCheckout.checkout(url, "main", target, Optional.empty(), TIMEOUT, false));
      assertTrue(e.getMessage().startsWith("Repository URL must use https://"), e.getMessage());
    }
    assertEquals(List.of(), files());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "http://example.com/repo.git",
      "ssh://git@example.com/repo.git",
      "git@github.com:owner/repo.git",
      "git://example.com/repo.git",
      "ext::sh -c touch% /tmp/pwned",
      "relative/path",
      "ftp://example.com/repo.git"})
  void refusesEverythingButHttps(String url) {
    CheckoutException e = assertThrows(CheckoutException.class,
        () -> GitCheckout.checkout(url, "main", target, Optional.empty(), TIMEOUT, true));

    assertEquals("Repository URL must use https://", e.getMessage());
  }

  @Test
  void refusesCredentialsInTheUrl() {
    CheckoutException e = assertThrows(CheckoutException.class, () -> GitCheckout.checkout(
        "https://user:secret@example.com/repo.git", "main", target, Optional.empty(), TIMEOUT, false));

    assertTrue(e.getMessage().contains("must not contain credentials"), e.getMessage());
    assertFalse(e.getMessage().contains("secret"));
  }

  @Test
  void letsHttpsThroughAndReportsAnUnreachableServer() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    String url = "https://127.0.0.1:" + closedPort + "/owner/repo.git";

    CheckoutException e = assertThrows(CheckoutException.class,
        () -> GitCheckout.checkout(url, "main", target, Optional.of("token"), TIMEOUT, false));

    assertTrue(e.getMessage().startsWith("Could not fetch " + url), e.getMessage());
  }

  @Test
  void givesUpOnAServerThatNeverAnswers() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      List<Socket> accepted = new ArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(silent.accept());
          }
        } catch (IOException closed) {
          // the test is over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      String url = "https://127.0.0.1:" + silent.getLocalPort() + "/owner/repo.git";
      long start = System.nanoTime();

      CheckoutException e = assertThrows(CheckoutException.class,
          () -> GitCheckout.checkout(url, "main", target, Optional.empty(), Duration.ofSeconds(2), false));

      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "took " + took);
      assertTrue(e.getMessage().contains(url), e.getMessage());
      assertEquals(List.of(), files());
    }
  }

  @Test
  void neverTouchesATargetThatIsNotEmpty() throws Exception {
    Path precious = Files.writeString(target.resolve("precious.txt"), "keep me");

    assertThrows(IllegalArgumentException.class, () -> checkout("main"));

    assertEquals("keep me", Files.readString(precious));
  }

  @Test
  void createsAMissingTargetDirectory() {
    target = target.resolve("deep/checkout");

    assertEquals(second.name(), checkout("main").commitSha());
    assertEquals(List.of("README.md", "index.html"), files());
  }

  @Test
  void sendsTheAccessTokenAsBasicAuth() {
    CredentialsProvider credentials = GitCheckout.credentials(Optional.of("ghs_secret"));
    CredentialItem.Username user = new CredentialItem.Username();
    CredentialItem.Password password = new CredentialItem.Password();

    assertTrue(credentials.get(new URIish().setHost("example.com"), user, password));
    assertEquals("x-access-token", user.getValue());
    assertEquals("ghs_secret", new String(password.getValue()));
    assertNull(GitCheckout.credentials(Optional.empty()));
    assertNull(GitCheckout.credentials(Optional.of(" ")));
  }

  private List<String> files() {
    try (Stream<Path> files = Files.list(target)) {
      return files.map(path -> path.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
