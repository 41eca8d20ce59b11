package dev.ferry.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildCacheTest {

  private static final List<String> PATHS = List.of("node_modules", ".next/cache");

  @TempDir
  Path temp;

  private final List<String> log = new ArrayList<>();

  private BuildCache cache(long maxBytes, int perProject) {
    return new BuildCache(temp.resolve("cache"), new BuildCache.Settings(true, maxBytes, perProject, PATHS), "process");
  }

  private Path project(String name, String lockfile) throws Exception {
    Path root = Files.createDirectories(temp.resolve(name));
    Files.writeString(root.resolve("package.json"), "{\"name\": \"" + name + "\"}");
    Files.writeString(root.resolve("package-lock.json"), lockfile);
    return root;
  }

  private static void write(Path root, String path, int bytes) throws Exception {
    Path file = root.resolve(path);
    Files.createDirectories(file.getParent());
    Files.write(file, new byte[bytes]);
  }

  @Test
  void theKeyFollowsTheLockfilePackageJsonInstallCommandAndEnvironment() throws Exception {
    Path root = project("a", "{\"lockfileVersion\": 3}");
    BuildCache cache = cache(1 << 20, 2);
    String key = cache.key(root, "npm ci").orElseThrow();

    assertEquals(key, cache.key(root, "npm ci").orElseThrow());
    assertNotEquals(key, cache.key(root, "npm install").orElseThrow());
    assertNotEquals(key, new BuildCache(temp.resolve("cache"), new BuildCache.Settings(true, 1, 1, PATHS),
        "container node:22").key(root, "npm ci").orElseThrow());
    Files.writeString(root.resolve("package-lock.json"), "{\"lockfileVersion\": 3, \"packages\": {}}");
    String changedLock = cache.key(root, "npm ci").orElseThrow();
    assertNotEquals(key, changedLock);
    Files.writeString(root.resolve("package.json"), "{\"name\": \"a\", \"dependencies\": {\"x\": \"1\"}}");
    assertNotEquals(changedLock, cache.key(root, "npm ci").orElseThrow());
  }

  @Test
  void noLockfileOrADisabledCacheMeansNoKey() throws Exception {
    Path root = project("a", "{}");
    Files.delete(root.resolve("package-lock.json"));
    assertEquals(Optional.empty(), cache(1 << 20, 2).key(root, "npm install"));
    Files.writeString(root.resolve("pnpm-lock.yaml"), "lockfileVersion: '9.0'\n");
    assertTrue(cache(1 << 20, 2).key(root, "pnpm install").isPresent());
    assertEquals(Optional.empty(), new BuildCache(temp.resolve("c"), new BuildCache.Settings(false, 1 << 20, 2, PATHS),
        "process").key(root, "pnpm install"));
  }

  @Test
  void aSavedEntryComesBackIntoTheNextBuildOnceAndLeavesTheCheckoutsOwnFilesAlone() throws Exception {
    BuildCache cache = cache(1 << 20, 2);
    Path first = project("first", "{}");
    write(first, "node_modules/react/index.js", 100);
    write(first, ".next/cache/webpack/x.pack", 50);
    String key = cache.key(first, "npm ci").orElseThrow();

    cache.save("p1", key, first, (stream, text) -> log.add(text));

    assertFalse(Files.exists(first.resolve("node_modules")), "moved, not copied");
    assertEquals(150, cache.totalBytes());
    assertTrue(log.get(0).startsWith("Build cache saved: [node_modules, .next/cache]"), log.toString());

    Path second = project("second", "{}");
    write(second, ".next/cache/own.txt", 5);
    BuildCache.Restored restored = cache.restore("p1", key, second, temp.resolve("staging")).orElseThrow();

    assertEquals(List.of("node_modules"), restored.paths());
    assertTrue(restored.dependencies());
    assertEquals(100, Files.size(second.resolve("node_modules/react/index.js")));
    assertTrue(Files.exists(second.resolve(".next/cache/own.txt")));
    assertFalse(Files.exists(second.resolve(".next/cache/webpack")));
    assertEquals(Optional.empty(), cache.restore("p1", key, project("third", "{}"), temp.resolve("staging")),
        "an entry is taken by one build at a time");
    assertEquals(Optional.empty(), cache.restore("p2", key, project("other", "{}"), temp.resolve("staging")),
        "entries belong to their project");
  }

  @Test
  void symbolicLinksOutOfTheRootAreNotCached() throws Exception {
    BuildCache cache = cache(1 << 20, 2);
    Path root = project("a", "{}");
    Path outside = Files.createDirectories(temp.resolve("outside"));
    write(outside, "host.txt", 10);
    Files.createSymbolicLink(root.resolve("node_modules"), outside);
    Files.createDirectories(root.resolve(".next"));
    Files.createSymbolicLink(root.resolve(".next/cache"), outside);

    cache.save("p1", cache.key(root, "npm ci").orElseThrow(), root, (stream, text) -> log.add(text));

    assertEquals(0, cache.totalBytes());
    assertTrue(Files.exists(outside.resolve("host.txt")));
    assertTrue(log.isEmpty(), log.toString());
  }

  @Test
  void evictsBeyondTheEntriesPerProjectAndTheLeastRecentlyUsedBeyondTheSize() throws Exception {
    BuildCache cache = cache(200, 2);
    long time = System.currentTimeMillis() - 100_000;
    for (int i = 0; i < 3; i++) {
      Path root = project("p1-" + i, "{\"v\": " + i + "}");
      write(root, "node_modules/m.js", 60);
      cache.save("p1", "k" + i, root, (stream, text) -> log.add(text));
      Files.setLastModifiedTime(temp.resolve("cache/p1/k" + i), FileTime.fromMillis(time + i * 1000));
    }
    cache.evict();
    assertFalse(Files.exists(temp.resolve("cache/p1/k0")), "a project keeps its two newest entries");
    assertEquals(120, cache.totalBytes());

    Path other = project("p2", "{}");
    write(other, "node_modules/big.js", 100);
    cache.save("p2", "k", other, (stream, text) -> log.add(text));

    assertFalse(Files.exists(temp.resolve("cache/p1/k1")), "the least recently used entry goes first");
    assertTrue(Files.exists(temp.resolve("cache/p1/k2")));
    assertTrue(Files.exists(temp.resolve("cache/p2/k")));
    assertEquals(160, cache.totalBytes());
  }

  @Test
  void anEntryLargerThanTheWholeCacheIsNotSaved() throws Exception {
    BuildCache cache = cache(100, 2);
    Path root = project("a", "{}");
    write(root, "node_modules/huge.js", 500);

    cache.save("p1", "k", root, (stream, text) -> log.add(text));

    assertEquals(0, cache.totalBytes());
    assertTrue(Files.exists(root.resolve("node_modules/huge.js")));
    assertTrue(log.get(0).contains("more than the cache may hold"), log.toString());
  }
}
