package dev.ferry.api;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Token buckets per key (a client address, an account, a principal), refilled per minute. The map is bounded so
 * that a flood of distinct keys cannot exhaust memory; limits are per node.
 */
public final class RateLimiter {

  private static final int MAX_KEYS = 100_000;

  private final int perMinute;
  private final Map<String, Bucket> buckets = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
      return size() > MAX_KEYS;
    }
  };

  public RateLimiter(int perMinute) {
    this.perMinute = perMinute;
  }

  /** Empty when the request may go ahead, else how long to wait before the next one is allowed. */
  public Optional<Duration> tryAcquire(String key) {
    Bucket bucket;
    synchronized (buckets) {
      bucket = buckets.computeIfAbsent(key, k -> Bucket.builder()
          .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)).build())
          .build());
    }
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (probe.isConsumed()) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
  }
}
