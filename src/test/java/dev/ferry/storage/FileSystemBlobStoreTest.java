package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemBlobStoreTest {

  @TempDir Path root;
  @TempDir Path scratch;

  private FileSystemBlobStore store;

  @BeforeEach
  void openStore() throws IOException {
    store = new FileSystemBlobStore(root);
  }

  @Test
  void storesABlobUnderItsDigestInATwoCharacterFolder() throws Exception {
    byte[] content = "<h1>hello</h1>".getBytes(StandardCharsets.UTF_8);
    String key = Digests.sha256(content);

    store.putBlob(key, write("index.html", content));

    assertTrue(store.hasBlob(key));
    Path expected = root.resolve("blobs").resolve(key.substring(0, 2)).resolve(key.substring(2));
    assertEquals(Optional.of(expected), store.localBlob(key));
    try (InputStream in = store.openBlob(key)) {
      assertArrayEquals(content, in.readAllBytes());
    }
  }

  @Test
  void puttingAnExistingBlobAgainIsANoOp() throws Exception {
    byte[] content = randomBytes(1000);
    String key = Digests.sha256(content);
    store.putBlob(key, write("a", content));

    store.putBlob(key, write("b", content));

    assertArrayEquals(content, Files.readAllBytes(store.localBlob(key).orElseThrow()));
  }

  @Test
  void refusesABlobWhoseContentDoesNotMatchItsKey() throws Exception {
    String key = Digests.sha256("expected".getBytes(StandardCharsets.UTF_8));
    Path other = write("other", "something else".getBytes(StandardCharsets.UTF_8));

    IOException e = assertThrows(IOException.class, () -> store.putBlob(key, other));

    assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
    assertFalse(store.hasBlob(key));
    assertEquals(List.of(), leftoverTempFiles());
  }

  @Test
  void rejectsKeysThatAreNotLowerCaseSha256Hex() {
    String valid = Digests.sha256(new byte[0]);
    for (String bad : List.of("", "abc", valid.toUpperCase(), valid + "0", "../" + valid.substring(3),
        valid.substring(0, 63) + "g")) {
      assertThrows(IllegalArgumentException.class, () -> store.hasBlob(bad), bad);
      assertThrows(IllegalArgumentException.class, () -> store.localBlob(bad), bad);
      assertThrows(IllegalArgumentException.class, () -> store.openBlob(bad), bad);
      assertThrows(IllegalArgumentException.class, () -> store.putBlob(bad, scratch), bad);
    }
  }

  @Test
  void reportsAMissingBlob() throws Exception {
    String key = Digests.sha256("missing".getBytes(StandardCharsets.UTF_8));

    assertFalse(store.hasBlob(key));
    assertEquals(Optional.empty(), store.localBlob(key));
    assertThrows(NoSuchFileException.class, () -> store.openBlob(key));
  }

  @Test
  void concurrentPutsOfTheSameBlobAllSucceed() throws Exception {
    byte[] content = randomBytes(2_000_000);
    String key = Digests.sha256(content);
    int threads = 8;
    List<Path> copies = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      copies.add(write("copy" + i, content));
    }
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Void>> puts = new ArrayList<>();
      for (Path copy : copies) {
        puts.add(pool.submit(() -> {
          start.await();
          store.putBlob(key, copy);
          return null;
        }));
      }
      start.countDown();
      for (Future<Void> put : puts) {
        put.get();
      }
    } finally {
      pool.shutdownNow();
    }

    assertEquals(key, Digests.sha256(store.localBlob(key).orElseThrow()));
    assertEquals(List.of(), leftoverTempFiles());
  }

  @Test
  void storesAndReadsAManifest() throws Exception {
    Manifest manifest = manifest("dpl_abc-1", "index.html", "text/html; charset=utf-8");

    store.putManifest("dpl_abc-1", manifest);

    assertEquals(Optional.of(manifest), store.manifest("dpl_abc-1"));
    assertEquals(Optional.of(manifest), new FileSystemBlobStore(root).manifest("dpl_abc-1"));
    assertTrue(Files.isRegularFile(root.resolve("manifests/dpl_abc-1.json")));
    assertEquals(Optional.empty(), store.manifest("dpl_other"));
  }

  @Test
  void manifestsAreImmutable() throws Exception {
    Manifest original = manifest("d1", "index.html", "text/html; charset=utf-8");
    store.putManifest("d1", original);

    store.putManifest("d1", manifest("d1", "index.html", "text/html; charset=utf-8"));
    assertThrows(FileAlreadyExistsException.class,
        () -> store.putManifest("d1", manifest("d1", "other.html", "text/html; charset=utf-8")));

    assertEquals(Optional.of(original), store.manifest("d1"));
    assertEquals(List.of(), leftoverTempFiles());
  }

  @Test
  void ofRacingManifestWritersExactlyOneWins() throws Exception {
    int writers = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    List<Future<Boolean>> results = new ArrayList<>();
    try {
      for (int i = 0; i < writers; i++) {
        Manifest candidate = manifest("race", "file" + i + ".txt", "text/plain; charset=utf-8");
        Callable<Boolean> write = () -> {
          start.await();
          try {
            store.putManifest("race", candidate);
            return true;
          } catch (FileAlreadyExistsException e) {
            return false;
          }
        };
        results.add(pool.submit(write));
      }
      start.countDown();
      int winners = 0;
      for (Future<Boolean> result : results) {
        winners += result.get() ? 1 : 0;
      }
      assertEquals(1, winners);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void rejectsInvalidDeploymentIds() {
    for (String bad : List.of("", "UPPER", "../escape", "a/b", "a.b", "x".repeat(65))) {
      assertThrows(IllegalArgumentException.class, () -> store.manifest(bad), bad);
      assertThrows(IllegalArgumentException.class,
          () -> store.putManifest(bad, manifest(bad, "index.html", "text/html")), bad);
    }
  }

  @Test
  void rejectsAManifestFiledUnderAnotherDeployment() {
    assertThrows(IllegalArgumentException.class,
        () -> store.putManifest("d1", manifest("d2", "index.html", "text/html")));
  }

  private static Manifest manifest(String deploymentId, String path, String contentType) {
    String sha = Digests.sha256(path.getBytes(StandardCharsets.UTF_8));
    return new Manifest(deploymentId, Map.of(
        path, new Manifest.FileEntry(sha, 42, contentType),
        "assets/app.js", new Manifest.FileEntry(sha, 7, "text/javascript; charset=utf-8")));
  }

  private Path write(String name, byte[] content) throws IOException {
    return Files.write(scratch.resolve(name), content);
  }

  private static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  private List<Path> leftoverTempFiles() throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(path -> path.getFileName().toString().endsWith(".tmp")).toList();
    }
  }

  // --- the inventory the garbage collector works from

  @Test
  void theInventoryListsBlobsWithTheirLastUseAndAskingOrPuttingAgainCountsAsAUse() throws Exception {
    byte[] content = randomBytes(300);
    String key = Digests.sha256(content);
    store.putBlob(key, write("a.bin", content));
    Path blob = store.localBlob(key).orElseThrow();
    java.time.Instant longAgo = java.time.Instant.parse("2020-01-01T00:00:00Z");
    Files.setLastModifiedTime(blob, java.nio.file.attribute.FileTime.from(longAgo));

    List<BlobInventory.StoredBlob> listed = new ArrayList<>();
    store.forEachBlob(listed::add);
    assertEquals(List.of(new BlobInventory.StoredBlob(key, 300, longAgo)), listed);

    assertTrue(store.hasBlob(key));
    assertTrue(Files.getLastModifiedTime(blob).toInstant().isAfter(longAgo.plusSeconds(86_400)));
    Files.setLastModifiedTime(blob, java.nio.file.attribute.FileTime.from(longAgo));
    store.putBlob(key, write("again.bin", content));
    assertTrue(Files.getLastModifiedTime(blob).toInstant().isAfter(longAgo.plusSeconds(86_400)));
    assertFalse(store.hasBlob(Digests.sha256(randomBytes(10))));
  }

  @Test
  void aBlobIsDeletedOnlyWhenItWasNotUsedSinceTheCutoff() throws Exception {
    byte[] content = randomBytes(100);
    String key = Digests.sha256(content);
    store.putBlob(key, write("b.bin", content));
    java.time.Instant cutoff = java.time.Instant.now().minusSeconds(3600);

    assertFalse(store.deleteBlobUnusedSince(key, cutoff), "used a moment ago");
    assertTrue(store.hasBlob(key));

    Files.setLastModifiedTime(store.localBlob(key).orElseThrow(),
        java.nio.file.attribute.FileTime.from(cutoff.minusSeconds(1)));
    assertTrue(store.deleteBlobUnusedSince(key, cutoff));
    assertFalse(store.hasBlob(key));
    assertFalse(store.deleteBlobUnusedSince(key, cutoff), "already gone");
    try (Stream<Path> left = Files.walk(root.resolve("blobs"))) {
      assertEquals(List.of(), left.filter(Files::isRegularFile).toList(), "nothing left aside");
    }
  }

  @Test
  void manifestsAreListedAndDeletedByDeployment() throws Exception {
    byte[] content = randomBytes(10);
    String key = Digests.sha256(content);
    store.putBlob(key, write("c.bin", content));
    Map<String, Manifest.FileEntry> files = Map.of("c.bin", new Manifest.FileEntry(key, 10, "text/plain"));
    store.putManifest("dpl-b", new Manifest("dpl-b", files));
    store.putManifest("dpl-a", new Manifest("dpl-a", files));

    assertEquals(List.of("dpl-a", "dpl-b"), store.manifestIds());
    assertTrue(store.deleteManifest("dpl-a"));
    assertFalse(store.deleteManifest("dpl-a"));
    assertEquals(List.of("dpl-b"), store.manifestIds());
    assertEquals(Optional.empty(), store.manifest("dpl-a"));
  }
}
