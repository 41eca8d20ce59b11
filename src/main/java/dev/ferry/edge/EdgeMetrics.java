package dev.ferry.edge;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Access counters per deployment: requests, bytes sent, status classes and a latency histogram with fixed buckets.
 *
 * <p>Recording is lock-free ({@link LongAdder}s; a map lookup per request, an insert only for a deployment seen for
 * the first time). The map is bounded: once it holds {@code maxDeployments} deployments, requests for further ones
 * are counted under {@link #OTHER}. Requests for hosts no deployment is routed to are counted under {@link
 * #UNROUTED}.
 */
public final class EdgeMetrics {

  public static final String UNROUTED = "(unrouted)";
  public static final String OTHER = "(other)";
  public static final int DEFAULT_MAX_DEPLOYMENTS = 10_000;

  /**
   * Upper bounds (inclusive) of the latency buckets in microseconds; a last, unbounded bucket follows. Latency is
   * the time from the request reaching the handler to its response being ready (headers and body source).
   */
  public static final List<Long> LATENCY_BUCKET_BOUNDS_MICROS = List.of(
      100L, 250L, 500L, 1_000L, 2_500L, 5_000L, 10_000L, 25_000L, 50_000L, 100_000L, 250_000L, 500_000L,
      1_000_000L, 2_500_000L, 5_000_000L);

  private static final long[] BOUNDS_NANOS = LATENCY_BUCKET_BOUNDS_MICROS.stream()
      .mapToLong(TimeUnit.MICROSECONDS::toNanos).toArray();

  private final int maxDeployments;
  private final ConcurrentHashMap<String, Counters> byDeployment = new ConcurrentHashMap<>();

  public EdgeMetrics() {
    this(DEFAULT_MAX_DEPLOYMENTS);
  }

  public EdgeMetrics(int maxDeployments) {
    if (maxDeployments < 1) {
      throw new IllegalArgumentException("maxDeployments must be positive");
    }
    this.maxDeployments = maxDeployments;
  }

  /**
   * @param deploymentId the deployment served, or {@code null} for a request no deployment was found for
   * @param status the response status code
   * @param bytesSent the response body's length (0 for HEAD, 304 and unknown lengths)
   * @param latencyNanos time to produce the response
   */
  public void record(String deploymentId, int status, long bytesSent, long latencyNanos) {
    Counters counters = countersFor(deploymentId == null ? UNROUTED : deploymentId);
    counters.requests.increment();
    if (bytesSent > 0) {
      counters.bytesSent.add(bytesSent);
    }
    int statusClass = status / 100;
    if (statusClass >= 2 && statusClass <= 5) {
      counters.statusClasses[statusClass - 2].increment();
    }
    counters.latencyBuckets[bucket(latencyNanos)].increment();
    counters.latencySumNanos.add(Math.max(0, latencyNanos));
  }

  /** A copy of every deployment's counters, by deployment id in order. Each counter is read once, not atomically. */
  public Map<String, Snapshot> snapshot() {
    Map<String, Snapshot> snapshot = new TreeMap<>();
    byDeployment.forEach((deployment, counters) -> snapshot.put(deployment, counters.snapshot()));
    return Collections.unmodifiableMap(snapshot);
  }

  public Optional<Snapshot> snapshot(String deploymentId) {
    return Optional.ofNullable(byDeployment.get(deploymentId)).map(Counters::snapshot);
  }

  /** The counters of one deployment at one moment. */
  public record Snapshot(long requests, long bytesSent, long status2xx, long status3xx, long status4xx,
      long status5xx, List<Long> latencyBuckets, long latencySumMicros) {

    /** The smallest bucket bound at or under which at least {@code quantile} of the requests were answered, in µs. */
    public long latencyQuantileMicros(double quantile) {
      long total = latencyBuckets.stream().mapToLong(Long::longValue).sum();
      long needed = (long) Math.ceil(total * quantile);
      long seen = 0;
      for (int i = 0; i < latencyBuckets.size(); i++) {
        seen += latencyBuckets.get(i);
        if (seen >= needed && seen > 0) {
          return i < LATENCY_BUCKET_BOUNDS_MICROS.size() ? LATENCY_BUCKET_BOUNDS_MICROS.get(i) : Long.MAX_VALUE;
        }
      }
      return 0;
    }
  }

  private Counters countersFor(String deploymentId) {
    Counters counters = byDeployment.get(deploymentId);
    if (counters != null) {
      return counters;
    }
    if (byDeployment.size() >= maxDeployments && !UNROUTED.equals(deploymentId)) {
      return byDeployment.computeIfAbsent(OTHER, id -> new Counters());
    }
    return byDeployment.computeIfAbsent(deploymentId, id -> new Counters());
  }

  static int bucket(long latencyNanos) {
    for (int i = 0; i < BOUNDS_NANOS.length; i++) {
      if (latencyNanos <= BOUNDS_NANOS[i]) {
        return i;
      }
    }
    return BOUNDS_NANOS.length;
  }

  private static final class Counters {
    final LongAdder requests = new LongAdder();
    final LongAdder bytesSent = new LongAdder();
    final LongAdder[] statusClasses = adders(4);
    final LongAdder[] latencyBuckets = adders(BOUNDS_NANOS.length + 1);
    final LongAdder latencySumNanos = new LongAdder();

    Snapshot snapshot() {
      return new Snapshot(requests.sum(), bytesSent.sum(), statusClasses[0].sum(), statusClasses[1].sum(),
          statusClasses[2].sum(), statusClasses[3].sum(),
          Arrays.stream(latencyBuckets).map(LongAdder::sum).toList(),
          TimeUnit.NANOSECONDS.toMicros(latencySumNanos.sum()));
    }

    private static LongAdder[] adders(int n) {
      LongAdder[] adders = new LongAdder[n];
      for (int i = 0; i < n; i++) {
        adders[i] = new LongAdder();
      }
      return adders;
    }
  }
}
