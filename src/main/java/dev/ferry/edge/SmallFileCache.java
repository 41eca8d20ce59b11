package dev.ferry.edge;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.util.ByteString;

/**
 * Contents of small blobs by SHA-256, bounded by their total size, least recently used evicted first.
 * Blobs are content-addressed, so a cached entry is never stale.
 */
final class SmallFileCache {

  private final long maxTotalBytes;
  private final LinkedHashMap<String, ByteString> bySha = new LinkedHashMap<>(64, 0.75f, true);
  private long totalBytes;

  SmallFileCache(long maxTotalBytes) {
    this.maxTotalBytes = maxTotalBytes;
  }

  synchronized Optional<ByteString> get(String sha256) {
    return Optional.ofNullable(bySha.get(sha256));
  }

  /** The cached content, or null: the allocation-free form of {@link #get} for the hot path. */
  synchronized ByteString find(String sha256) {
    return bySha.get(sha256);
  }

  synchronized void put(String sha256, ByteString content) {
    if (content.size() > maxTotalBytes || bySha.containsKey(sha256)) {
      return;
    }
    bySha.put(sha256, content);
    totalBytes += content.size();
    Iterator<Map.Entry<String, ByteString>> eldestFirst = bySha.entrySet().iterator();
    while (totalBytes > maxTotalBytes) {
      totalBytes -= eldestFirst.next().getValue().size();
      eldestFirst.remove();
    }
  }

  synchronized long totalBytes() {
    return totalBytes;
  }

  synchronized int size() {
    return bySha.size();
  }
}
