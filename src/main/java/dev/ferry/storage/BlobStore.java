package dev.ferry.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Content-addressed storage of deployment files (keyed by lower-case SHA-256 hex) and of one immutable
 * manifest per deployment. Implementations: the filesystem store (embedded default) and S3 (production).
 */
public interface BlobStore {

  boolean hasBlob(String sha256) throws IOException;

  /** Stores the file under its digest; a no-op when the blob already exists. The digest is verified. */
  void putBlob(String sha256, Path file) throws IOException;

  /** A local file holding the blob (the store itself or a local cache in front of it), if the blob exists. */
  Optional<Path> localBlob(String sha256) throws IOException;

  InputStream openBlob(String sha256) throws IOException;

  void putManifest(String deploymentId, Manifest manifest) throws IOException;

  Optional<Manifest> manifest(String deploymentId) throws IOException;

  /** The garbage collector's view of this store, if it keeps one (ADR 0010). */
  default Optional<BlobInventory> inventory() {
    return this instanceof BlobInventory inventory ? Optional.of(inventory) : Optional.empty();
  }
}
