package dev.ferry.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.build.GitCheckout.CheckoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkout may not put more than the configured size on disk: fetched objects and checked-out files together. */
class CheckoutSizeLimitTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final int MIB = 1024 * 1024;

  @TempDir static Path source;
  @TempDir Path target;

  /** 3 MiB of random bytes (they do not compress) and 3 MiB of zeros (a few KiB packed, 3 MiB checked out). */
  @BeforeAll
  static void createRepository() throws Exception {
    try (Git git = Git.init().setDirectory(source.toFile()).setInitialBranch("main").call()) {
      byte[] noise = new byte[3 * MIB];
      new Random(42).nextBytes(noise);
      Files.write(source.resolve("noise.bin"), noise);
      git.add().addFilepattern("noise.bin").call();
      git.commit().setMessage("Noise").setAuthor("Ada", "ada@example.com").setCommitter("Ada", "ada@example.com")
          .call();
      git.checkout().setCreateBranch(true).setName("zeros").setStartPoint("HEAD~0").call();
      git.rm().addFilepattern("noise.bin").call();
      Files.write(source.resolve("zeros.bin"), new byte[3 * MIB]);
      git.add().addFilepattern("zeros.bin").call();
      git.commit().setMessage("Zeros").setAuthor("Ada", "ada@example.com").setCommitter("Ada", "ada@example.com")
          .call();
      git.checkout().setName("main").call();
    }
  }

  @Test
  void aRepositoryWithinTheLimitIsCheckedOut() {
    GitCheckout.checkout(source.toUri().toString(), "main", target, Optional.empty(), TIMEOUT, 8L * MIB, true);

    assertTrue(Files.isRegularFile(target.resolve("noise.bin")));
  }

  @Test
  void aLargerPackFailsTheCheckoutAndLeavesNothing() throws Exception {
    CheckoutException e = assertThrows(CheckoutException.class, () -> GitCheckout.checkout(
        source.toUri().toString(), "main", target, Optional.empty(), TIMEOUT, MIB, true));

    assertTrue(e.getMessage().contains("larger than this server's limit of 1 MiB"), e.getMessage());
    assertEquals(0, entries(target));
  }

  @Test
  void aSmallPackThatExpandsPastTheLimitFailsToo() throws Exception {
    CheckoutException e = assertThrows(CheckoutException.class, () -> GitCheckout.checkout(
        source.toUri().toString(), "zeros", target, Optional.empty(), TIMEOUT, 2L * MIB, true));

    assertTrue(e.getMessage().contains("larger than this server's limit of 2 MiB"), e.getMessage());
    assertEquals(0, entries(target));
  }

  @Test
  void theSizeCountsEveryFileUnderTheDirectory() throws Exception {
    Files.createDirectories(target.resolve("a/b"));
    Files.write(target.resolve("a/one"), new byte[100]);
    Files.write(target.resolve("a/b/two"), new byte[50]);

    assertEquals(150, CheckoutSizeLimit.size(target));
    assertTrue(new CheckoutSizeLimit(target, 149).exceededNow());
    assertTrue(!new CheckoutSizeLimit(target, 150).exceededNow());
    assertEquals(0, CheckoutSizeLimit.size(target.resolve("missing")));
  }

  private static long entries(Path dir) throws Exception {
    try (Stream<Path> children = Files.list(dir)) {
      return children.count();
    }
  }
}
