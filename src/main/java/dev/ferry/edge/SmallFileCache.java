package dev.ferry.edge;

import java.util.Optional;
import org.apache.pekko.util.ByteString;

/**
 * Contents of small blobs by SHA-256, bounded by their total size, least recently used evicted first (down to 95%
 * of the bound). Blobs are content-addressed, so a cached entry is never stale. Reads take no lock.
 */
final class SmallFileCache {

  private final LruCache<String, ByteString> bySha;

  SmallFileCache(long maxTotalBytes) {
    this.bySha = new LruCache<>(maxTotalBytes, 0.95);
  }

  Optional<ByteString> get(String sha256) {
    return Optional.ofNullable(bySha.get(sha256));
  }

  /** The cached content, or null: the allocation-free form of {@link #get} for the hot path. */
  ByteString find(String sha256) {
    return bySha.get(sha256);
  }

  void put(String sha256, ByteString content) {
    bySha.put(sha256, content, content.size());
  }

  long totalBytes() {
    return bySha.totalWeight();
  }

  int size() {
    return bySha.size();
  }
}
