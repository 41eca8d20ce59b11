package dev.ferry.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EdgeMetricsTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void countsRequestsBytesStatusClassesAndLatencyPerDeployment() {
    EdgeMetrics metrics = new EdgeMetrics();
    metrics.record("d1", 200, 1000, MS / 10);
    metrics.record("d1", 206, 500, 2 * MS);
    metrics.record("d1", 304, 0, 3 * MS);
    metrics.record("d1", 404, 20, 30 * MS);
    metrics.record("d1", 500, 21, 10_000 * MS);
    metrics.record("d2", 200, 7, MS);
    metrics.record(null, 404, 300, MS);

    EdgeMetrics.Snapshot d1 = metrics.snapshot("d1").orElseThrow();
    assertEquals(5, d1.requests());
    assertEquals(1541, d1.bytesSent());
    assertEquals(List.of(2L, 1L, 1L, 1L), List.of(d1.status2xx(), d1.status3xx(), d1.status4xx(), d1.status5xx()));
    List<Long> buckets = d1.latencyBuckets();
    assertEquals(EdgeMetrics.LATENCY_BUCKET_BOUNDS_MICROS.size() + 1, buckets.size());
    assertEquals(1, buckets.get(0), "100 µs");
    assertEquals(1, buckets.get(4), "2 ms falls in the 2.5 ms bucket");
    assertEquals(1, buckets.get(5), "3 ms falls in the 5 ms bucket");
    assertEquals(1, buckets.get(8), "30 ms falls in the 50 ms bucket");
    assertEquals(1, buckets.get(buckets.size() - 1), "10 s is over every bound");
    assertEquals(5, buckets.stream().mapToLong(Long::longValue).sum());
    assertEquals(10_035_100, d1.latencySumMicros());
    assertEquals(5_000, d1.latencyQuantileMicros(0.5));

    assertEquals(1, metrics.snapshot("d2").orElseThrow().requests());
    assertEquals(300, metrics.snapshot(EdgeMetrics.UNROUTED).orElseThrow().bytesSent());
    assertEquals(List.of("(unrouted)", "d1", "d2"), List.copyOf(metrics.snapshot().keySet()));
  }

  @Test
  void bucketBoundsAreInclusive() {
    assertEquals(0, EdgeMetrics.bucket(100_000));
    assertEquals(1, EdgeMetrics.bucket(100_001));
    assertEquals(0, EdgeMetrics.bucket(0));
  }

  @Test
  void deploymentsBeyondTheBoundAreCountedTogether() {
    EdgeMetrics metrics = new EdgeMetrics(2);
    metrics.record("d1", 200, 1, MS);
    metrics.record("d2", 200, 1, MS);
    metrics.record("d3", 200, 1, MS);
    metrics.record("d4", 200, 1, MS);
    metrics.record("d1", 200, 1, MS);
    metrics.record(null, 404, 1, MS);

    Map<String, EdgeMetrics.Snapshot> snapshot = metrics.snapshot();
    assertEquals(2, snapshot.get("d1").requests());
    assertEquals(2, snapshot.get(EdgeMetrics.OTHER).requests());
    assertTrue(snapshot.containsKey(EdgeMetrics.UNROUTED), "unrouted requests are always counted apart");
    assertEquals(4, snapshot.size());
  }

  @Test
  void concurrentRecordingLosesNothing() throws Exception {
    EdgeMetrics metrics = new EdgeMetrics();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 25_000; i++) {
            metrics.record("d" + (i % 3), 200 + (thread % 2) * 100, 10, i);
          }
        }));
      }
      for (Future<?> future : done) {
        future.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    long requests = metrics.snapshot().values().stream().mapToLong(EdgeMetrics.Snapshot::requests).sum();
    long bytes = metrics.snapshot().values().stream().mapToLong(EdgeMetrics.Snapshot::bytesSent).sum();
    long redirects = metrics.snapshot().values().stream().mapToLong(EdgeMetrics.Snapshot::status3xx).sum();
    assertEquals(100_000, requests);
    assertEquals(1_000_000, bytes);
    assertEquals(50_000, redirects);
  }
}
