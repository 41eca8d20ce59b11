package dev.ferry.edge;

import dev.ferry.storage.BlobStore;
import dev.ferry.storage.Manifest.FileEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Response bodies for manifest files: small blobs from memory, larger ones streamed from the blob's
 * local file with their exact length. File system calls run on the blocking-I/O executor.
 */
final class BlobBodies {

  static final long IN_MEMORY_LIMIT_BYTES = 64 * 1024;

  private static final Logger log = LoggerFactory.getLogger(BlobBodies.class);

  private final BlobStore blobs;
  private final Executor blockingIo;
  private final SmallFileCache smallFiles;

  BlobBodies(BlobStore blobs, Executor blockingIo, SmallFileCache smallFiles) {
    this.blobs = blobs;
    this.blockingIo = blockingIo;
    this.smallFiles = smallFiles;
  }

  CompletionStage<ResponseEntity> entity(FileEntry file, ContentType contentType) {
    Optional<ByteString> cached = smallFiles.get(file.sha256());
    if (cached.isPresent()) {
      return CompletableFuture.completedFuture(HttpEntities.create(contentType, cached.get()));
    }
    return CompletableFuture.supplyAsync(() -> load(file, contentType), blockingIo);
  }

  private ResponseEntity load(FileEntry file, ContentType contentType) {
    try {
      Path path = blobs.localBlob(file.sha256()).orElseThrow(() -> new MissingBlobException(file.sha256()));
      long size = Files.size(path);
      if (size != file.size()) {
        log.warn("Blob {} is {} bytes but its manifest entry says {}", file.sha256(), size, file.size());
      }
      if (size <= IN_MEMORY_LIMIT_BYTES) {
        ByteString content = ByteString.fromArrayUnsafe(Files.readAllBytes(path));
        smallFiles.put(file.sha256(), content);
        return HttpEntities.create(contentType, content);
      }
      // Streamed in chunks, never held in memory; for HEAD, Pekko's renderer cancels it unread.
      return HttpEntities.create(contentType, size, FileIO.fromPath(path));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read blob " + file.sha256(), e);
    }
  }

  /** A manifest names a blob the store does not have: the deployment is broken, not the request. */
  static final class MissingBlobException extends RuntimeException {
    MissingBlobException(String sha256) {
      super("Blob " + sha256 + " is referenced by a manifest but missing from the blob store");
    }
  }
}
