package dev.ferry.build;

import com.typesafe.config.Config;
import dev.ferry.sandbox.Sandbox;
import dev.ferry.storage.Digests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dependencies and framework caches kept per project between builds ({@code ferry.build.cache}). An entry is keyed
 * by the hash of everything that decides what the install produces — the lockfile, package.json, the install
 * command and the sandbox it runs in — so a build with the same key gets {@code node_modules} back and skips the
 * install. Entries are moved (renamed) in and out of the build's directory rather than copied: a restore takes the
 * entry, and a successful build puts it back. The whole cache is bounded in size and evicted least recently used
 * first; each project keeps its newest few entries.
 */
public final class BuildCache {

  private static final Logger logger = LoggerFactory.getLogger(BuildCache.class);
  private static final List<String> LOCKFILES =
      List.of("package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock", "bun.lockb");
  private static final String FILES = "files";
  private static final String SIZE = "size";

  public record Settings(boolean enabled, long maxBytes, int entriesPerProject, List<String> paths) {
    public static Settings from(Config config) {
      Config cache = config.getConfig("ferry.build.cache");
      return new Settings(cache.getBoolean("enabled"), cache.getBytes("max-size"),
          Math.max(1, cache.getInt("entries-per-project")), cache.getStringList("paths"));
    }
  }

  /** What a restore brought back, relative to the project root. */
  public record Restored(List<String> paths, long bytes) {
    public boolean dependencies() {
      return paths.contains("node_modules");
    }
  }

  private final Path dir;
  private final Settings settings;
  private final String environment;

  /** {@code environment}: what else decides the install's result (the sandbox and its Node.js). */
  public BuildCache(Path dir, Settings settings, String environment) {
    this.dir = dir;
    this.settings = settings;
    this.environment = environment;
  }

  /** The cache key of a project root, or empty without a lockfile (nothing to key the dependencies by). */
  public Optional<String> key(Path root, String installCommand) throws IOException {
    if (!settings.enabled()) {
      return Optional.empty();
    }
    StringBuilder inputs = new StringBuilder();
    for (String name : LOCKFILES) {
      Path lockfile = root.resolve(name);
      if (Files.isRegularFile(lockfile, LinkOption.NOFOLLOW_LINKS)) {
        inputs.append(name).append('=').append(Digests.sha256(lockfile)).append('\n');
      }
    }
    if (inputs.length() == 0) {
      return Optional.empty();
    }
    Path packageJson = root.resolve("package.json");
    if (Files.isRegularFile(packageJson, LinkOption.NOFOLLOW_LINKS)) {
      inputs.append("package.json=").append(Digests.sha256(packageJson)).append('\n');
    }
    inputs.append("install=").append(installCommand).append('\n');
    inputs.append("environment=").append(environment).append('\n');
    return Optional.of(Digests.sha256(inputs.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 32));
  }

  /**
   * Moves the entry's directories into {@code root} (those the checkout does not have itself). The entry leaves the
   * cache: a concurrent build of the same project with the same key finds none and builds cold.
   *
   * @param staging a directory on the same file system for the entry while it is unpacked (removed by the caller)
   */
  public Optional<Restored> restore(String projectId, String key, Path root, Path staging) {
    Path entry = projectDir(projectId).resolve(key);
    Path taken = staging.resolve("cache-" + UUID.randomUUID());
    try {
      Files.createDirectories(staging);
      Files.move(entry, taken, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException miss) {
      return Optional.empty();
    } catch (IOException e) {
      logger.warn("Build cache entry {} of {} could not be taken: {}", key, projectId, e.toString());
      return Optional.empty();
    }
    List<String> restored = new ArrayList<>();
    long bytes = readSize(taken);
    for (String path : settings.paths()) {
      Path cached = taken.resolve(FILES).resolve(path);
      Path target = root.resolve(path);
      if (!Files.isDirectory(cached, LinkOption.NOFOLLOW_LINKS) || Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      try {
        if (!insideRoot(root, target.getParent())) {
          continue;
        }
        Files.createDirectories(target.getParent());
        Files.move(cached, target, StandardCopyOption.ATOMIC_MOVE);
        restored.add(path);
      } catch (IOException e) {
        logger.warn("Build cache path {} of {} not restored: {}", path, projectId, e.toString());
      }
    }
    return Optional.of(new Restored(List.copyOf(restored), bytes));
  }

  /**
   * Moves the configured directories the build left in {@code root} into a new entry under {@code key}, then evicts.
   * Symbolic links (and paths through them) are not taken: the cache keeps only what the build made inside its root.
   */
  public void save(String projectId, String key, Path root, Sandbox.LogSink log) {
    List<Path> found = new ArrayList<>();
    long bytes = 0;
    try {
      for (String path : settings.paths()) {
        Path source = root.resolve(path);
        if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS) && insideRoot(root, source)) {
          found.add(source);
          bytes += size(source);
        }
      }
    } catch (IOException e) {
      log.line("system", "Build cache not saved: " + e.getMessage());
      return;
    }
    if (found.isEmpty()) {
      return;
    }
    if (bytes > settings.maxBytes()) {
      log.line("system", "Build cache not saved: " + megabytes(bytes) + " is more than the cache may hold ("
          + megabytes(settings.maxBytes()) + ", ferry.build.cache.max-size)");
      return;
    }
    Path projectDir = projectDir(projectId);
    Path temporary = projectDir.resolve(".tmp-" + UUID.randomUUID());
    try {
      for (Path source : found) {
        Path target = temporary.resolve(FILES).resolve(root.relativize(source).toString());
        Files.createDirectories(target.getParent());
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
      }
      Files.writeString(temporary.resolve(SIZE), Long.toString(bytes));
      synchronized (this) {
        Path entry = projectDir.resolve(key);
        GitCheckout.deleteRecursively(entry);
        Files.move(temporary, entry, StandardCopyOption.ATOMIC_MOVE);
        Files.setLastModifiedTime(entry, FileTime.from(Instant.now()));
        evict();
      }
      log.line("system", "Build cache saved: " + found.stream().map(p -> root.relativize(p).toString()).toList()
          + " (" + megabytes(bytes) + ")");
    } catch (IOException e) {
      log.line("system", "Build cache not saved: " + e.getMessage());
      deleteQuietly(temporary);
    }
  }

  /** Keeps each project's newest entries and the whole cache within its size, oldest first out. */
  synchronized void evict() throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    List<Entry> entries = new ArrayList<>();
    try (DirectoryStream<Path> projects = Files.newDirectoryStream(dir)) {
      for (Path project : projects) {
        List<Entry> own = new ArrayList<>();
        try (DirectoryStream<Path> keys = Files.newDirectoryStream(project)) {
          for (Path entry : keys) {
            if (!entry.getFileName().toString().startsWith(".tmp-")) {
              own.add(new Entry(entry, Files.getLastModifiedTime(entry).toMillis(), readSize(entry)));
            }
          }
        }
        own.sort(Comparator.comparingLong(Entry::usedMillis).reversed());
        for (int i = settings.entriesPerProject(); i < own.size(); i++) {
          GitCheckout.deleteRecursively(own.get(i).path());
        }
        entries.addAll(own.subList(0, Math.min(own.size(), settings.entriesPerProject())));
      }
    }
    entries.sort(Comparator.comparingLong(Entry::usedMillis));
    long total = entries.stream().mapToLong(Entry::bytes).sum();
    for (Entry entry : entries) {
      if (total <= settings.maxBytes()) {
        break;
      }
      GitCheckout.deleteRecursively(entry.path());
      total -= entry.bytes();
    }
  }

  private record Entry(Path path, long usedMillis, long bytes) {}

  /** Bytes the cache holds now (entries being restored or saved aside). */
  long totalBytes() throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    long total = 0;
    try (Stream<Path> projects = Files.list(dir)) {
      for (Path project : projects.toList()) {
        try (Stream<Path> entries = Files.list(project)) {
          total += entries.mapToLong(BuildCache::readSize).sum();
        }
      }
    }
    return total;
  }

  private Path projectDir(String projectId) {
    // Project ids are generated, but a path is built from it: anything unusual is hashed.
    String name = projectId.matches("[A-Za-z0-9_-]{1,64}") ? projectId
        : Digests.sha256(projectId.getBytes(StandardCharsets.UTF_8));
    return dir.resolve(name);
  }

  private static boolean insideRoot(Path root, Path path) throws IOException {
    return path.toRealPath().startsWith(root.toRealPath());
  }

  private static long size(Path directory) throws IOException {
    AtomicLong total = new AtomicLong();
    Files.walkFileTree(directory, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
        total.addAndGet(attributes.size());
        return FileVisitResult.CONTINUE;
      }
    });
    return total.get();
  }

  private static long readSize(Path entry) {
    try {
      return Long.parseLong(Files.readString(entry.resolve(SIZE)).trim());
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  static void deleteQuietly(Path path) {
    try {
      GitCheckout.deleteRecursively(path);
    } catch (IOException e) {
      logger.warn("Could not remove {}: {}", path, e.toString());
    }
  }

  static String megabytes(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1_000_000.0);
  }
}
