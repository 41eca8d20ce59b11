package dev.ferry.edge;

import dev.ferry.storage.BlobStore;
import dev.ferry.storage.Manifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Deployment manifests held in memory (as {@link Site}s with their per-file response parts), least recently used
 * evicted first; lookups take no lock. Manifests are immutable, so an entry never needs invalidation; a missing manifest is not cached
 * (it may be written later).
 */
public final class ManifestCache {

  private final BlobStore blobs;
  private final Executor blockingIo;
  private final ContentTypeResolver contentTypes = new ContentTypeResolver();
  private final LruCache<String, Site> byDeployment;

  public ManifestCache(BlobStore blobs, Executor blockingIo, int maxEntries) {
    this.blobs = blobs;
    this.blockingIo = blockingIo;
    this.byDeployment = new LruCache<>(maxEntries, 1.0);
  }

  /** Completes on the caller's thread when cached; otherwise loads on the blocking-I/O executor. */
  public CompletionStage<Optional<Manifest>> manifest(String deploymentId) {
    return site(deploymentId).thenApply(site -> Optional.ofNullable(site).map(Site::manifest));
  }

  /** The cached site, or null when it is not in memory (yet). */
  Site cached(String deploymentId) {
    return byDeployment.get(deploymentId);
  }

  /** The site, or null when the deployment has no manifest. */
  CompletionStage<Site> site(String deploymentId) {
    Site cached = byDeployment.get(deploymentId);
    if (cached != null) {
      return CompletableFuture.completedFuture(cached);
    }
    // Two concurrent misses may both load; that is harmless for immutable data and keeps this lock-free.
    return CompletableFuture.supplyAsync(() -> load(deploymentId), blockingIo);
  }

  int size() {
    return byDeployment.size();
  }

  private Site load(String deploymentId) {
    try {
      Optional<Manifest> manifest = blobs.manifest(deploymentId);
      if (manifest.isEmpty()) {
        return null;
      }
      Site site = new Site(manifest.get(), contentTypes);
      byDeployment.put(deploymentId, site, 1);
      return site;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read manifest of deployment " + deploymentId, e);
    }
  }
}
