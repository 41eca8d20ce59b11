package dev.ferry.edge;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.storage.Manifest;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CachesTest {

  private static final Executor SAME_THREAD = Runnable::run;

  @Test
  void manifestCacheLoadsOnceEvictsLeastRecentlyUsedAndSkipsMissing(@TempDir Path dir) throws Exception {
    TempDirBlobStore blobs = new TempDirBlobStore(dir);
    for (String id : new String[] {"d1", "d2", "d3"}) {
      blobs.putManifest(id, new Manifest(id, Map.of()));
    }
    ManifestCache cache = new ManifestCache(blobs, SAME_THREAD, 2);

    load(cache, "d1");
    load(cache, "d2");
    load(cache, "d1"); // d1 is now the most recently used
    load(cache, "d3"); // evicts d2
    load(cache, "d1");
    load(cache, "d2");
    assertEquals(1, blobs.manifestReads("d1"));
    assertEquals(2, blobs.manifestReads("d2"));
    assertEquals(2, cache.size());

    assertTrue(cache.manifest("absent").toCompletableFuture().get().isEmpty());
    assertTrue(cache.manifest("absent").toCompletableFuture().get().isEmpty());
    assertEquals(2, blobs.manifestReads("absent"));
  }

  @Test
  void smallFileCacheIsBoundedByTotalBytes() {
    SmallFileCache cache = new SmallFileCache(10);
    cache.put("a", bytes("1234"));
    cache.put("b", bytes("1234"));
    cache.get("a"); // b is now the least recently used
    cache.put("c", bytes("1234"));
    assertTrue(cache.get("a").isPresent());
    assertTrue(cache.get("b").isEmpty());
    assertTrue(cache.get("c").isPresent());
    assertEquals(8, cache.totalBytes());

    cache.put("huge", bytes("12345678901"));
    assertTrue(cache.get("huge").isEmpty());
    assertEquals(2, cache.size());
  }

  @Test
  void lruCacheEvictsDownToItsLowWaterMarkOldestFirst() throws Exception {
    LruCache<String, String> cache = new LruCache<>(100, 0.5);
    for (int i = 0; i < 10; i++) {
      cache.put("k" + i, "v" + i, 10);
      Thread.sleep(1);
    }
    cache.get("k0"); // the oldest becomes the newest
    cache.put("k10", "v10", 10); // 110 > 100: evict down to 50

    assertEquals(50, cache.totalWeight());
    assertEquals("v0", cache.get("k0"));
    assertEquals("v10", cache.get("k10"));
    for (int i = 1; i <= 6; i++) {
      assertEquals(null, cache.get("k" + i), "k" + i);
    }
    assertEquals("v7", cache.get("k7"));
  }

  @Test
  void lruCacheKeepsTheFirstValueAndItsBoundUnderConcurrentInserts() throws Exception {
    LruCache<Integer, Integer> cache = new LruCache<>(1000, 0.9);
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      int offset = t;
      threads[t] = new Thread(() -> {
        for (int i = 0; i < 20_000; i++) {
          int key = (i * 7 + offset) % 5000;
          cache.put(key, key, 3);
          Integer value = cache.get(key);
          if (value != null && value != key) {
            throw new AssertionError("wrong value for " + key);
          }
        }
      });
      threads[t].start();
    }
    for (Thread thread : threads) {
      thread.join(30_000);
    }
    assertTrue(cache.totalWeight() <= 1000, String.valueOf(cache.totalWeight()));
    assertEquals(cache.size() * 3L, cache.totalWeight());
  }

  private static void load(ManifestCache cache, String id) throws Exception {
    assertEquals(id, cache.manifest(id).toCompletableFuture().get().orElseThrow().deploymentId());
  }

  private static ByteString bytes(String text) {
    return ByteString.fromArray(text.getBytes(UTF_8));
  }
}
