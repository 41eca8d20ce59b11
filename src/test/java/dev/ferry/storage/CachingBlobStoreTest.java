package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CachingBlobStoreTest {

  @TempDir Path remoteRoot;
  @TempDir Path cacheDir;
  @TempDir Path scratch;

  private CountingRemoteStore remote;

  @BeforeEach
  void openRemote() throws IOException {
    remote = new CountingRemoteStore(new FileSystemBlobStore(remoteRoot));
  }

  @Test
  void downloadsABlobOnceAndThenServesItFromTheCache() throws Exception {
    byte[] content = random(5000, 1);
    String sha = put(content);
    CachingBlobStore cache = new CachingBlobStore(remote, cacheDir, 1 << 20);

    Path first = cache.localBlob(sha).orElseThrow();
    Path second = cache.localBlob(sha).orElseThrow();

    assertEquals(first, second);
    assertTrue(first.startsWith(cacheDir));
    assertArrayEquals(content, Files.readAllBytes(first));
    assertEquals(1, remote.downloads(sha));
    try (InputStream in = cache.openBlob(sha)) {
      assertArrayEquals(content, in.readAllBytes());
    }
    assertEquals(1, remote.downloads(sha));
    assertTrue(cache.hasBlob(sha));
    assertEquals(5000, cache.cachedBytes());
  }

  @Test
  void evictsTheLeastRecentlyUsedBlobsBeyondTheByteLimit() throws Exception {
    String a = put(random(400, 1));
    String b = put(random(400, 2));
    String c = put(random(400, 3));
    CachingBlobStore cache = new CachingBlobStore(remote, cacheDir, 1000);

    cache.localBlob(a);
    cache.localBlob(b);
    cache.localBlob(a); // b is now the least recently used
    cache.localBlob(c); // 1200 bytes: b goes

    assertEquals(800, cache.cachedBytes());
    assertEquals(2, cache.cachedBlobs());
    assertEquals(2, cachedFileCount(), "the evicted file is deleted");
    cache.localBlob(a);
    cache.localBlob(c);
    assertEquals(1, remote.downloads(a));
    assertEquals(1, remote.downloads(c));
    cache.localBlob(b);
    assertEquals(2, remote.downloads(b));
  }

  @Test
  void aBlobLargerThanTheCacheIsStillServed() throws Exception {
    String small = put(random(100, 1));
    String big = put(random(3000, 2));
    CachingBlobStore cache = new CachingBlobStore(remote, cacheDir, 1000);

    cache.localBlob(small);
    Path path = cache.localBlob(big).orElseThrow();

    assertEquals(3000, Files.size(path));
    assertEquals(1, cache.cachedBlobs());
  }

  @Test
  void theCacheSurvivesARestart() throws Exception {
    String a = put(random(300, 1));
    String b = put(random(300, 2));
    CachingBlobStore cache = new CachingBlobStore(remote, cacheDir, 1000);
    cache.localBlob(a);
    cache.localBlob(b);
    Files.writeString(cacheDir.resolve(".download-123.tmp"), "half a download");

    CachingBlobStore restarted = new CachingBlobStore(remote, cacheDir, 1000);

    assertEquals(600, restarted.cachedBytes());
    restarted.localBlob(a);
    restarted.localBlob(b);
    assertEquals(1, remote.downloads(a));
    assertEquals(1, remote.downloads(b));
    assertFalse(Files.exists(cacheDir.resolve(".download-123.tmp")));
  }

  @Test
  void concurrentMissesShareOneDownload() throws Exception {
    String sha = put(random(200_000, 9));
    remote.delayDownloads();
    CachingBlobStore cache = new CachingBlobStore(remote, cacheDir, 1 << 20);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Optional<Path>>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(pool.submit(() -> cache.localBlob(sha)));
      }
      Thread.sleep(200);
      remote.releaseDownloads();
      for (Future<Optional<Path>> result : results) {
        assertTrue(result.get(10, TimeUnit.SECONDS).isPresent());
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, remote.downloads(sha));
  }

  @Test
  void aMissingBlobIsEmptyAndNotCached() throws Exception {
    CachingBlobStore cache = new CachingBlobStore(remote, cacheDir, 1000);
    String absent = Digests.sha256(new byte[] {1, 2, 3});

    assertEquals(Optional.empty(), cache.localBlob(absent));
    assertThrows(NoSuchFileException.class, () -> cache.openBlob(absent));
    assertFalse(cache.hasBlob(absent));
    assertEquals(0, cache.cachedBlobs());
    assertEquals(0, cachedFileCount());
  }

  @Test
  void aCorruptDownloadIsRefusedAndLeavesNothingBehind() throws Exception {
    String sha = put(random(1000, 4));
    remote.corrupt(sha);
    CachingBlobStore cache = new CachingBlobStore(remote, cacheDir, 1 << 20);

    IOException e = assertThrows(IOException.class, () -> cache.localBlob(sha));

    assertTrue(e.getMessage().contains("has SHA-256"), e.getMessage());
    assertEquals(0, cache.cachedBlobs());
    assertEquals(0, cachedFileCount());
  }

  @Test
  void writesAndManifestsGoToTheRemoteStore() throws Exception {
    CachingBlobStore cache = new CachingBlobStore(remote, cacheDir, 1000);
    byte[] content = random(10, 5);
    String sha = Digests.sha256(content);
    cache.putBlob(sha, Files.write(scratch.resolve("f"), content));
    Manifest manifest = new Manifest("d1", Map.of("f", new Manifest.FileEntry(sha, 10, "text/plain")));
    cache.putManifest("d1", manifest);

    assertTrue(remote.hasBlob(sha));
    assertEquals(Optional.of(manifest), remote.manifest("d1"));
    assertEquals(Optional.of(manifest), cache.manifest("d1"));
    assertEquals(0, cache.cachedBlobs());
  }

  private String put(byte[] content) throws IOException {
    String sha = Digests.sha256(content);
    Path file = Files.write(scratch.resolve(sha), content);
    remote.putBlob(sha, file);
    return sha;
  }

  private long cachedFileCount() throws IOException {
    try (Stream<Path> files = Files.walk(cacheDir)) {
      return files.filter(Files::isRegularFile).count();
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** A stand-in for S3 on a real directory: no local files, every download counted. */
  private static final class CountingRemoteStore implements BlobStore {
    private final FileSystemBlobStore store;
    private final Map<String, AtomicInteger> downloads = new ConcurrentHashMap<>();
    private final Map<String, Boolean> corrupted = new ConcurrentHashMap<>();
    private volatile CountDownLatch gate = new CountDownLatch(0);

    CountingRemoteStore(FileSystemBlobStore store) {
      this.store = store;
    }

    int downloads(String sha256) {
      AtomicInteger count = downloads.get(sha256);
      return count == null ? 0 : count.get();
    }

    void delayDownloads() {
      gate = new CountDownLatch(1);
    }

    void releaseDownloads() {
      gate.countDown();
    }

    void corrupt(String sha256) {
      corrupted.put(sha256, true);
    }

    @Override
    public boolean hasBlob(String sha256) {
      return store.hasBlob(sha256);
    }

    @Override
    public void putBlob(String sha256, Path file) throws IOException {
      store.putBlob(sha256, file);
    }

    @Override
    public Optional<Path> localBlob(String sha256) {
      return Optional.empty();
    }

    @Override
    public InputStream openBlob(String sha256) throws IOException {
      InputStream in = store.openBlob(sha256);
      downloads.computeIfAbsent(sha256, k -> new AtomicInteger()).incrementAndGet();
      try {
        gate.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (corrupted.containsKey(sha256)) {
        byte[] bytes = in.readAllBytes();
        in.close();
        bytes[0] ^= 1;
        return new ByteArrayInputStream(bytes);
      }
      return in;
    }

    @Override
    public void putManifest(String deploymentId, Manifest manifest) throws IOException {
      store.putManifest(deploymentId, manifest);
    }

    @Override
    public Optional<Manifest> manifest(String deploymentId) throws IOException {
      return store.manifest(deploymentId);
    }
  }
}
