package dev.ferry.storage;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the garbage collector needs from a {@link BlobStore}: every stored blob with the time it was last used, and
 * deletion of blobs and manifests. "Used" means written, or asked about by {@link BlobStore#hasBlob} or
 * {@link BlobStore#putBlob} (an upload's check, a publish that finds the blob already stored): a blob about to be
 * referenced by a manifest is young, so a grace period longer than a build protects it until the manifest exists.
 */
public interface BlobInventory {

  /** One stored blob: its digest, size and when it was last used. */
  record StoredBlob(String sha256, long size, Instant lastUsed) {}

  /** Visits every stored blob (in no particular order). */
  void forEachBlob(Consumer<StoredBlob> visitor) throws IOException;

  /**
   * Deletes the blob unless it was used at or after {@code cutoff} — checked again at the moment of deletion, so a
   * use that happened after the collector listed the blob keeps it. Answers whether it was deleted.
   */
  boolean deleteBlobUnusedSince(String sha256, Instant cutoff) throws IOException;

  /** The deployment ids of every stored manifest. */
  List<String> manifestIds() throws IOException;

  /** Deletes a deployment's manifest; answers whether there was one. */
  boolean deleteManifest(String deploymentId) throws IOException;

  /** The deployment ids, sorted, of manifest file names ({@code <deploymentId>.json}); other names are skipped. */
  static List<String> manifestIdsOf(Stream<String> fileNames) {
    Pattern deploymentId = Pattern.compile("[a-z0-9_-]{1,64}");
    return fileNames.filter(name -> name.endsWith(".json"))
        .map(name -> name.substring(0, name.length() - ".json".length()))
        .filter(id -> deploymentId.matcher(id).matches())
        .sorted()
        .toList();
  }
}
