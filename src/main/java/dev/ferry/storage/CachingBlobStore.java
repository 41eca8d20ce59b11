package dev.ferry.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded on-disk cache in front of a blob store whose blobs are not local files (S3): {@link #localBlob} downloads
 * a blob once into the cache directory, verifies its digest, and evicts the least recently used blobs once the cache
 * holds more than {@code maxBytes}. Writes and manifests go straight to the remote store.
 *
 * <p>Blobs are content-addressed and never change, so a cached copy is never stale. Concurrent misses of one blob
 * share a single download. The cache survives restarts: at start it indexes the files already there, oldest first.
 * An evicted blob that is still being streamed stays readable (POSIX keeps an open file until it is closed); the
 * blob just returned is the most recently used, so it is the last to go.
 *
 * <p>When the remote store keeps an {@link BlobInventory} (its blobs may be garbage collected), {@link #hasBlob}
 * always asks the remote store — a cached copy proves nothing about the bucket, and asking records the use — and
 * {@link #inventory} hands the collector the remote inventory, dropping the cached copy of each blob it deletes.
 */
public final class CachingBlobStore implements BlobStore {

  private static final Logger log = LoggerFactory.getLogger(CachingBlobStore.class);
  private static final String TEMP_PREFIX = ".download-";

  private final BlobStore remote;
  private final Path dir;
  private final long maxBytes;
  /** Cached blobs by digest (value: size), least recently used first. Guarded by itself. */
  private final LinkedHashMap<String, Long> lru = new LinkedHashMap<>(256, 0.75f, true);
  private final Map<String, CompletableFuture<Optional<Path>>> downloads = new ConcurrentHashMap<>();
  private long totalBytes;

  public CachingBlobStore(BlobStore remote, Path cacheDir, long maxBytes) throws IOException {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive");
    }
    this.remote = remote;
    this.dir = Files.createDirectories(cacheDir);
    this.maxBytes = maxBytes;
    indexExisting();
  }

  @Override
  public boolean hasBlob(String sha256) throws IOException {
    if (remote.inventory().isPresent()) {
      return remote.hasBlob(sha256);
    }
    return cached(sha256).isPresent() || remote.hasBlob(sha256);
  }

  @Override
  public Optional<BlobInventory> inventory() {
    return remote.inventory().map(CachedInventory::new);
  }

  /** The remote inventory; a deleted blob's cached copy goes too. */
  private final class CachedInventory implements BlobInventory {
    private final BlobInventory remoteInventory;

    CachedInventory(BlobInventory remoteInventory) {
      this.remoteInventory = remoteInventory;
    }

    @Override
    public void forEachBlob(Consumer<StoredBlob> visitor) throws IOException {
      remoteInventory.forEachBlob(visitor);
    }

    @Override
    public boolean deleteBlobUnusedSince(String sha256, Instant cutoff) throws IOException {
      boolean deleted = remoteInventory.deleteBlobUnusedSince(sha256, cutoff);
      if (deleted) {
        forget(sha256);
        Files.deleteIfExists(path(sha256));
      }
      return deleted;
    }

    @Override
    public List<String> manifestIds() throws IOException {
      return remoteInventory.manifestIds();
    }

    @Override
    public boolean deleteManifest(String deploymentId) throws IOException {
      return remoteInventory.deleteManifest(deploymentId);
    }
  }

  @Override
  public void putBlob(String sha256, Path file) throws IOException {
    remote.putBlob(sha256, file);
  }

  @Override
  public Optional<Path> localBlob(String sha256) throws IOException {
    Optional<Path> hit = cached(sha256);
    return hit.isPresent() ? hit : download(sha256);
  }

  @Override
  public InputStream openBlob(String sha256) throws IOException {
    Optional<Path> local = localBlob(sha256);
    if (local.isEmpty()) {
      throw new NoSuchFileException("blob " + sha256 + " not found");
    }
    return Files.newInputStream(local.get());
  }

  @Override
  public void putManifest(String deploymentId, Manifest manifest) throws IOException {
    remote.putManifest(deploymentId, manifest);
  }

  @Override
  public Optional<Manifest> manifest(String deploymentId) throws IOException {
    return remote.manifest(deploymentId);
  }

  /** Bytes of all cached blobs. */
  public long cachedBytes() {
    synchronized (lru) {
      return totalBytes;
    }
  }

  public int cachedBlobs() {
    synchronized (lru) {
      return lru.size();
    }
  }

  private Optional<Path> cached(String sha256) {
    Path path = path(sha256);
    synchronized (lru) {
      if (lru.get(sha256) == null) {
        return Optional.empty();
      }
    }
    if (Files.isRegularFile(path)) {
      return Optional.of(path);
    }
    forget(sha256); // removed behind the cache's back
    return Optional.empty();
  }

  private Optional<Path> download(String sha256) throws IOException {
    CompletableFuture<Optional<Path>> mine = new CompletableFuture<>();
    CompletableFuture<Optional<Path>> running = downloads.putIfAbsent(sha256, mine);
    if (running != null) {
      return await(running, sha256);
    }
    try {
      Optional<Path> result = fetch(sha256);
      mine.complete(result);
      return result;
    } catch (IOException | RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      downloads.remove(sha256, mine);
    }
  }

  private Optional<Path> fetch(String sha256) throws IOException {
    Path target = path(sha256);
    Path temp = Files.createTempFile(dir, TEMP_PREFIX, ".tmp");
    try {
      MessageDigest digest = Digests.newSha256();
      long size;
      try (InputStream in = new DigestInputStream(remote.openBlob(sha256), digest);
          OutputStream out = Files.newOutputStream(temp)) {
        size = in.transferTo(out);
      } catch (NoSuchFileException e) {
        return Optional.empty();
      }
      String actual = Digests.hex(digest.digest());
      if (!actual.equals(sha256)) {
        throw new IOException("blob " + sha256 + " from the remote store has SHA-256 " + actual);
      }
      Files.createDirectories(target.getParent());
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      admit(sha256, size);
      return Optional.of(target);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Adds a blob as the most recently used and evicts the least recently used others beyond the limit. */
  private void admit(String sha256, long size) {
    List<String> evicted = new ArrayList<>();
    synchronized (lru) {
      Long previous = lru.put(sha256, size);
      totalBytes += size - (previous == null ? 0 : previous);
      Iterator<Map.Entry<String, Long>> eldestFirst = lru.entrySet().iterator();
      while (totalBytes > maxBytes && eldestFirst.hasNext()) {
        Map.Entry<String, Long> eldest = eldestFirst.next();
        if (eldest.getKey().equals(sha256)) {
          break; // a single blob larger than the whole cache stays until the next one arrives
        }
        totalBytes -= eldest.getValue();
        evicted.add(eldest.getKey());
        eldestFirst.remove();
      }
    }
    for (String key : evicted) {
      try {
        Files.deleteIfExists(path(key));
      } catch (IOException e) {
        log.warn("Could not delete evicted cached blob {}: {}", key, e.toString());
      }
    }
  }

  private void forget(String sha256) {
    synchronized (lru) {
      Long size = lru.remove(sha256);
      if (size != null) {
        totalBytes -= size;
      }
    }
  }

  private void indexExisting() throws IOException {
    record Found(String sha256, long size, FileTime modified) {}
    List<Found> found = new ArrayList<>();
    try (DirectoryStream<Path> folders = Files.newDirectoryStream(dir)) {
      for (Path entry : folders) {
        String name = entry.getFileName().toString();
        if (name.startsWith(TEMP_PREFIX)) {
          Files.deleteIfExists(entry); // an interrupted download
        } else if (name.length() == 2 && Files.isDirectory(entry)) {
          try (DirectoryStream<Path> blobs = Files.newDirectoryStream(entry)) {
            for (Path blob : blobs) {
              String sha256 = name + blob.getFileName();
              if (Digests.isSha256Hex(sha256) && Files.isRegularFile(blob)) {
                found.add(new Found(sha256, Files.size(blob), Files.getLastModifiedTime(blob)));
              }
            }
          }
        }
      }
    }
    found.sort(Comparator.comparing(Found::modified));
    for (Found blob : found) {
      admit(blob.sha256(), blob.size());
    }
  }

  private Path path(String sha256) {
    if (!Digests.isSha256Hex(sha256)) {
      throw new IllegalArgumentException("blob key must be 64 lower-case hex digits: " + sha256);
    }
    return dir.resolve(sha256.substring(0, 2)).resolve(sha256.substring(2));
  }

  private static Optional<Path> await(CompletableFuture<Optional<Path>> download, String sha256) throws IOException {
    try {
      return download.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for the download of blob " + sha256);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw new IOException("download of blob " + sha256 + " failed: " + io.getMessage(), io);
      }
      throw new IOException("download of blob " + sha256 + " failed", e.getCause());
    }
  }
}
