package dev.ferry.retention;

import dev.ferry.common.CborSerializable;
import dev.ferry.db.Sql;
import dev.ferry.deployment.Deployment;
import dev.ferry.storage.BlobInventory;
import dev.ferry.storage.BlobStore;
import dev.ferry.storage.Manifest;
import dev.ferry.storage.SourceManifest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mark and sweep over the blob store (ADR 0010). Marked: every blob a manifest of a deployment that is not expired
 * references (files and their precompressed variants), and the uploaded source files of deployments still queued or
 * building. Swept: unmarked blobs last used before {@code now - gc-grace}. Blobs are "used" when written or asked
 * about ({@link BlobInventory}), so a publish or upload under way — whose manifest does not exist yet — keeps its
 * blobs young; the store re-checks a blob's age at the moment it deletes it.
 *
 * <p>Manifests of expired deployments are deleted first, once no host routes to them any more.
 */
public final class BlobCollector {

  private static final Logger log = LoggerFactory.getLogger(BlobCollector.class);
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

  private final ActorSystem<?> system;
  private final DataSource dataSource;
  private final BlobStore store;
  private final Duration grace;
  private final Counter deletedBlobs;
  private final Counter freedBytes;

  public BlobCollector(ActorSystem<?> system, DataSource dataSource, BlobStore store, Duration grace,
      MeterRegistry registry) {
    this.system = system;
    this.dataSource = dataSource;
    this.store = store;
    this.grace = grace;
    this.deletedBlobs = Counter.builder("ferry_gc_deleted_blobs").description("Blobs garbage collected")
        .register(registry);
    this.freedBytes = Counter.builder("ferry_gc_freed_bytes").description("Bytes of blobs garbage collected")
        .register(registry);
  }

  /** What a collection did. */
  public record Result(int manifestsDeleted, long blobsDeleted, long bytesFreed, long blobsKept)
      implements CborSerializable {}

  /**
   * Collects garbage as of {@code now}; {@code justExpired} are deployments expired a moment ago (the read model may
   * not show them yet). Null when the store keeps no inventory.
   */
  public Result collect(Instant now, Set<String> justExpired) throws Exception {
    Optional<BlobInventory> maybeInventory = store.inventory();
    if (maybeInventory.isEmpty()) {
      log.info("Blob garbage collection skipped: the {} keeps no inventory", store.getClass().getSimpleName());
      return null;
    }
    BlobInventory inventory = maybeInventory.get();
    Instant cutoff = now.minus(grace);
    Set<String> expired = new HashSet<>(justExpired);
    expired.addAll(Sql.query(dataSource, "SELECT id FROM deployments WHERE state = ?", row -> row.getString(1),
        Deployment.Status.EXPIRED.name()));
    Set<String> routed = new HashSet<>(Sql.query(dataSource, "SELECT DISTINCT deployment_id FROM routes",
        row -> row.getString(1)));

    Set<String> live = new HashSet<>();
    int manifestsDeleted = 0;
    for (String deploymentId : inventory.manifestIds()) {
      if (expired.contains(deploymentId) && !routed.contains(deploymentId)) {
        manifestsDeleted += inventory.deleteManifest(deploymentId) ? 1 : 0;
        continue;
      }
      store.manifest(deploymentId).ifPresent(manifest -> mark(manifest, live));
    }
    markUploadedSources(live);

    List<BlobInventory.StoredBlob> garbage = new ArrayList<>();
    long[] kept = {0};
    inventory.forEachBlob(blob -> {
      if (!live.contains(blob.sha256()) && blob.lastUsed().isBefore(cutoff)) {
        garbage.add(blob);
      } else {
        kept[0]++;
      }
    });
    long deleted = 0;
    long bytes = 0;
    for (BlobInventory.StoredBlob blob : garbage) {
      if (inventory.deleteBlobUnusedSince(blob.sha256(), cutoff)) {
        deleted++;
        bytes += blob.size();
      } else {
        kept[0]++;
      }
    }
    deletedBlobs.increment(deleted);
    freedBytes.increment(bytes);
    return new Result(manifestsDeleted, deleted, bytes, kept[0]);
  }

  private static void mark(Manifest manifest, Set<String> live) {
    for (Manifest.FileEntry file : manifest.files().values()) {
      live.add(file.sha256());
      if (file.gzip() != null) {
        live.add(file.gzip().sha256());
      }
      if (file.br() != null) {
        live.add(file.br().sha256());
      }
    }
  }

  /** A build that has not published yet still needs the files it was given (and their list). */
  private void markUploadedSources(Set<String> live) throws Exception {
    List<String> unfinished = Sql.query(dataSource, "SELECT id FROM deployments WHERE state IN (?, ?, ?)",
        row -> row.getString(1), Deployment.Status.QUEUED.name(), Deployment.Status.BUILDING.name(),
        Deployment.Status.DEPLOYING.name());
    for (String deploymentId : unfinished) {
      Optional<String> sourceDigest = uploadedSource(deploymentId);
      if (sourceDigest.isEmpty()) {
        continue;
      }
      live.add(sourceDigest.get());
      try {
        SourceManifest.load(store, sourceDigest.get()).files().forEach(file -> live.add(file.sha256()));
      } catch (IOException e) {
        log.warn("The file list of deployment {} is unreadable: {}", deploymentId, e.toString());
      }
    }
  }

  private Optional<String> uploadedSource(String deploymentId) throws Exception {
    Deployment.State state = ClusterSharding.get(system).entityRefFor(Deployment.ENTITY_KEY, deploymentId)
        .<Deployment.State>askWithStatus(Deployment.Get::new, ASK_TIMEOUT).toCompletableFuture()
        .get(ASK_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    return state.source() != null && state.source().uploaded() ? Optional.ofNullable(state.source().files())
        : Optional.empty();
  }
}
