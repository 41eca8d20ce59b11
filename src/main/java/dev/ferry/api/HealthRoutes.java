package dev.ferry.api;

import dev.ferry.health.NodeHealth;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /health/alive} (the process answers) and {@code /health/ready} (cluster member up, database and journal
 * reachable); see {@link NodeHealth}.
 */
public final class HealthRoutes extends AllDirectives {

  private final NodeHealth health;

  public HealthRoutes(ApiContext context) {
    this.health = new NodeHealth(context.system(), context.dataSource());
  }

  public Route route() {
    return pathPrefix("health", () -> concat(
        path("alive", () -> get(() -> complete(health.aliveResponse()))),
        path("ready", () -> get(() -> completeWithFuture(health.readyResponse())))));
  }
}
