package dev.ferry.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a node becomes a cluster member: by the seed nodes ({@code FERRY_SEED_NODES}), by Pekko Management's cluster
 * bootstrap ({@code FERRY_CLUSTER_BOOTSTRAP=true}: the nodes find each other through service discovery — a list in
 * the configuration, DNS SRV/A records, ...), or, with neither, by joining itself (the embedded default).
 */
public final class ClusterFormation {

  private static final Logger log = LoggerFactory.getLogger(ClusterFormation.class);
  /** The management endpoints' port when an endpoint in {@code FERRY_BOOTSTRAP_ENDPOINTS} names none. */
  static final int DEFAULT_MANAGEMENT_PORT = 8558;

  private ClusterFormation() {}

  /**
   * Settings that follow from Ferry's: the configuration-discovery endpoints of the bootstrap's service (from
   * {@code ferry.cluster.bootstrap-endpoints}) and the coordinated-shutdown phase that drains HTTP requests, long
   * enough for {@code ferry.shutdown.drain-deadline}.
   */
  public static Config derived(Config resolved) {
    boolean seeded = !resolved.getStringList("pekko.cluster.seed-nodes").isEmpty();
    if (resolved.getBoolean("ferry.cluster.bootstrap") && seeded) {
      throw new IllegalArgumentException(
          "FERRY_CLUSTER_BOOTSTRAP and FERRY_SEED_NODES exclude each other: use one way to form the cluster");
    }
    Config derived = ConfigFactory.empty();
    Duration drain = resolved.getDuration("ferry.shutdown.drain-deadline");
    derived = derived.withValue("pekko.coordinated-shutdown.phases.service-requests-done.timeout",
        ConfigValueFactory.fromAnyRef(drain.plusSeconds(5).toMillis() + " ms"));
    List<Map<String, Object>> endpoints = endpoints(resolved.getString("ferry.cluster.bootstrap-endpoints"));
    if (!endpoints.isEmpty()) {
      String service = resolved.getString("pekko.management.cluster.bootstrap.contact-point-discovery.service-name");
      derived = derived.withValue("pekko.discovery.config.services.\"" + service + "\".endpoints",
          ConfigValueFactory.fromIterable(endpoints));
    }
    return derived;
  }

  /** {@code host[:port]} entries, comma separated, as configuration discovery's endpoint objects. */
  static List<Map<String, Object>> endpoints(String value) {
    List<Map<String, Object>> endpoints = new ArrayList<>();
    for (String entry : Arrays.stream(value.split(",")).map(String::trim).filter(e -> !e.isEmpty()).toList()) {
      int colon = entry.lastIndexOf(':');
      String host = colon < 0 ? entry : entry.substring(0, colon);
      int port = DEFAULT_MANAGEMENT_PORT;
      if (colon >= 0) {
        try {
          port = Integer.parseInt(entry.substring(colon + 1));
        } catch (NumberFormatException e) {
          port = -1;
        }
      }
      if (host.isBlank() || port < 1 || port > 65535 || host.contains("/")) {
        throw new IllegalArgumentException("Bootstrap endpoint '" + entry
            + "' in FERRY_BOOTSTRAP_ENDPOINTS is not host:port of a node's management endpoint (e.g. 10.0.0.5:8558)");
      }
      endpoints.add(Map.of("host", host, "port", port));
    }
    return endpoints;
  }

  /** Starts joining: the bootstrap when configured, else the seed nodes (Pekko does that), else itself. */
  public static void join(ActorSystem<?> system, Config config) {
    Cluster cluster = Cluster.get(system);
    if (config.getBoolean("ferry.cluster.bootstrap")) {
      PekkoManagement.get(system).start();
      ClusterBootstrap.get(system).start();
      log.info("Forming the cluster by bootstrap: service '{}' by {} discovery, {} contact points needed",
          config.getString("pekko.management.cluster.bootstrap.contact-point-discovery.service-name"),
          config.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"),
          config.getInt("pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"));
    } else if (config.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
  }
}
