package dev.ferry.edge;

import dev.ferry.storage.BlobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Response bodies for blobs, whole or a byte range: blobs up to {@code inMemoryLimit} bytes from memory (read once,
 * then held in the {@link SmallFileCache}), larger ones streamed from the blob's local file with their exact length.
 * A memory hit completes on the caller's thread; anything touching the file system runs on the blocking-I/O executor.
 */
final class BlobBodies {

  static final long DEFAULT_IN_MEMORY_LIMIT_BYTES = 512 * 1024;
  private static final int CHUNK_SIZE = 64 * 1024;

  private static final Logger log = LoggerFactory.getLogger(BlobBodies.class);

  private final BlobStore blobs;
  private final Executor blockingIo;
  private final SmallFileCache smallFiles;
  private final long inMemoryLimit;

  BlobBodies(BlobStore blobs, Executor blockingIo, SmallFileCache smallFiles, long inMemoryLimit) {
    this.blobs = blobs;
    this.blockingIo = blockingIo;
    this.smallFiles = smallFiles;
    this.inMemoryLimit = inMemoryLimit;
  }

  /** The whole blob. */
  CompletionStage<ResponseEntity> entity(String sha256, long size, ContentType contentType) {
    return entity(sha256, size, contentType, 0, -1);
  }

  /**
   * @param first the first byte to send
   * @param length how many bytes to send, or -1 for all from {@code first} on
   */
  CompletionStage<ResponseEntity> entity(String sha256, long size, ContentType contentType, long first, long length) {
    ByteString cached = smallFiles.find(sha256);
    if (cached != null) {
      return CompletableFuture.completedFuture(HttpEntities.create(contentType, slice(cached, first, length)));
    }
    return CompletableFuture.supplyAsync(() -> load(sha256, size, contentType, first, length), blockingIo);
  }

  private ResponseEntity load(String sha256, long expectedSize, ContentType contentType, long first, long length) {
    try {
      Path path = blobs.localBlob(sha256).orElseThrow(() -> new MissingBlobException(sha256));
      long size = Files.size(path);
      if (size != expectedSize) {
        log.warn("Blob {} is {} bytes but its manifest entry says {}", sha256, size, expectedSize);
      }
      if (size <= inMemoryLimit) {
        ByteString content = ByteString.fromArrayUnsafe(Files.readAllBytes(path));
        smallFiles.put(sha256, content);
        return HttpEntities.create(contentType, slice(content, first, length));
      }
      if (first == 0 && (length < 0 || length >= size)) {
        // Streamed in chunks, never held in memory; for HEAD, Pekko's renderer cancels it unread.
        return HttpEntities.create(contentType, size, FileIO.fromPath(path, CHUNK_SIZE));
      }
      long start = Math.min(first, size);
      long count = length < 0 ? size - start : Math.min(length, size - start);
      return HttpEntities.create(contentType, count, limit(FileIO.fromPath(path, CHUNK_SIZE, start), count));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read blob " + sha256, e);
    }
  }

  private static ByteString slice(ByteString content, long first, long length) {
    if (first == 0 && (length < 0 || length >= content.size())) {
      return content;
    }
    int from = (int) Math.min(first, content.size());
    int to = length < 0 ? content.size() : (int) Math.min(content.size(), from + length);
    return content.slice(from, to);
  }

  /** The first {@code count} bytes of a file stream (each materialization counts afresh). */
  private static Source<ByteString, ?> limit(Source<ByteString, ?> source, long count) {
    return Source.lazySource(() -> {
      long[] remaining = {count};
      return source
          .map(chunk -> {
            ByteString part = chunk.size() > remaining[0] ? chunk.take((int) remaining[0]) : chunk;
            remaining[0] -= part.size();
            return part;
          })
          .takeWhile(part -> !part.isEmpty());
    });
  }

  /** A manifest names a blob the store does not have: the deployment is broken, not the request. */
  static final class MissingBlobException extends RuntimeException {
    MissingBlobException(String sha256) {
      super("Blob " + sha256 + " is referenced by a manifest but missing from the blob store");
    }
  }
}
