package dev.ferry.api;

import java.sql.Connection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code /health/alive} (the process answers) and {@code /health/ready} (cluster member up, journal reachable). */
public final class HealthRoutes extends AllDirectives {

  private final ApiContext context;

  public HealthRoutes(ApiContext context) {
    this.context = context;
  }

  public Route route() {
    return pathPrefix("health", () -> concat(
        path("alive", () -> get(() -> complete(Responses.json(200, Json.object().put("status", "alive"))))),
        path("ready", () -> get(() -> completeWithFuture(ready())))));
  }

  private CompletionStage<HttpResponse> ready() {
    boolean up = Cluster.get(context.system()).selfMember().status() == MemberStatus.up();
    return CompletableFuture.supplyAsync(() -> {
      try (Connection connection = context.dataSource().getConnection()) {
        return connection.isValid(2);
      } catch (Exception e) {
        return false;
      }
    }, context.blocking()).thenApply(database -> {
      if (up && database) {
        return Responses.json(200, Json.object().put("status", "ready"));
      }
      String detail = !up ? "This node is not an Up member of the cluster yet" : "The database is not reachable";
      return Problems.response(503, detail, List.of());
    });
  }
}
