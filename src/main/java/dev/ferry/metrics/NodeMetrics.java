package dev.ferry.metrics;

import dev.ferry.db.Sql;
import dev.ferry.edge.EdgeMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's Prometheus registry: JVM and process metrics, and gauges read from the database at scrape time (the
 * build queue, the journal head, each projection's offset and lag in events), and the edge's request counters.
 */
public final class NodeMetrics {

  private static final Logger log = LoggerFactory.getLogger(NodeMetrics.class);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final DataSource dataSource;
  private final Map<String, Boolean> projectionGauges = new ConcurrentHashMap<>();

  public NodeMetrics(DataSource dataSource) {
    this.dataSource = dataSource;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    gauge("ferry_build_queue_waiting", "Builds waiting for a worker",
        "SELECT COUNT(*) FROM build_queue WHERE worker IS NULL OR lease_until < CURRENT_TIMESTAMP");
    gauge("ferry_build_queue_leased", "Builds held by a worker",
        "SELECT COUNT(*) FROM build_queue WHERE worker IS NOT NULL AND lease_until >= CURRENT_TIMESTAMP");
    for (String state : List.of("QUEUED", "BUILDING", "DEPLOYING", "READY", "ERROR", "CANCELED", "EXPIRED")) {
      Gauge.builder("ferry_deployments", () -> queryNumber("SELECT COUNT(*) FROM deployments WHERE state = ?", state))
          .description("Deployments by state, cluster-wide").tag("state", state).register(registry);
    }
    gauge("ferry_journal_head", "The newest journal ordering number",
        "SELECT COALESCE(MAX(\"ordering\"), 0) FROM \"event_journal\"");
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    registerProjectionGauges();
    return registry.scrape();
  }

  /** The edge's requests and bytes, summed over deployments (per-deployment series would be unbounded). */
  public void bindEdge(EdgeMetrics edge) {
    List<String> classes = List.of("2xx", "3xx", "4xx", "5xx");
    for (int i = 0; i < classes.size(); i++) {
      int statusClass = i;
      FunctionCounter.builder("ferry_edge_requests", edge, e -> e.snapshot().values().stream()
              .mapToLong(snapshot -> statusCount(snapshot, statusClass)).sum())
          .description("Requests the edge answered, by status class").tag("status", classes.get(i))
          .register(registry);
    }
    FunctionCounter.builder("ferry_edge_sent_bytes", edge, e -> e.snapshot().values().stream()
            .mapToLong(EdgeMetrics.Snapshot::bytesSent).sum())
        .description("Response body bytes the edge sent").register(registry);
  }

  private static long statusCount(EdgeMetrics.Snapshot snapshot, int statusClass) {
    return switch (statusClass) {
      case 0 -> snapshot.status2xx();
      case 1 -> snapshot.status3xx();
      case 2 -> snapshot.status4xx();
      default -> snapshot.status5xx();
    };
  }

  public <T> void gauge(String name, String help, T source, ToDoubleFunction<T> value) {
    Gauge.builder(name, source, value).description(help).register(registry);
  }

  private void gauge(String name, String help, String sql) {
    Gauge.builder(name, () -> queryNumber(sql)).description(help).register(registry);
  }

  /** One gauge per projection instance, registered when its offset row first appears. */
  private void registerProjectionGauges() {
    try {
      for (String[] key : Sql.query(dataSource,
          "SELECT \"projection_name\", \"projection_key\" FROM \"pekko_projection_offset_store\"",
          row -> new String[] {row.getString(1), row.getString(2)})) {
        String id = key[0] + "|" + key[1];
        projectionGauges.computeIfAbsent(id, k -> {
          Gauge.builder("ferry_projection_offset", () -> queryNumber(
                  "SELECT \"current_offset\" FROM \"pekko_projection_offset_store\" "
                      + "WHERE \"projection_name\" = ? AND \"projection_key\" = ?", key[0], key[1]))
              .description("The journal ordering a projection instance has processed up to")
              .tag("projection", key[0]).tag("key", key[1])
              .register(registry);
          // The key of an eventsByTag projection is its tag: the lag is the tag's events past the offset.
          Gauge.builder("ferry_projection_lag_events", () -> queryNumber(
                  "SELECT COUNT(*) FROM \"event_tag\" WHERE \"tag\" = ? AND \"event_id\" > (SELECT "
                      + "CAST(\"current_offset\" AS BIGINT) FROM \"pekko_projection_offset_store\" "
                      + "WHERE \"projection_name\" = ? AND \"projection_key\" = ?)", key[1], key[0], key[1]))
              .description("Events of its tag a projection instance has not processed yet")
              .tag("projection", key[0]).tag("key", key[1])
              .register(registry);
          return true;
        });
      }
    } catch (SQLException e) {
      log.debug("Projection offsets not readable: {}", e.toString());
    }
  }

  private double queryNumber(String sql, Object... params) {
    try {
      return Sql.query(dataSource, sql, row -> row.getDouble(1), params).stream().findFirst().orElse(Double.NaN);
    } catch (SQLException e) {
      return Double.NaN;
    }
  }
}
