package dev.ferry.metrics;

import dev.ferry.db.Sql;
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
 * build queue, the journal head and each projection's offset, whose difference is the projection's lag in events).
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
