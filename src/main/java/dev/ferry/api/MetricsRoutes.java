package dev.ferry.api;

import dev.ferry.metrics.NodeMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code GET /metrics} in Prometheus text format, and the timing of every API request. */
public final class MetricsRoutes extends AllDirectives {

  private static final ContentType.NonBinary PROMETHEUS = MediaTypes.TEXT_PLAIN.toContentType(HttpCharsets.UTF_8);

  private final NodeMetrics metrics;
  private final ApiContext context;

  public MetricsRoutes(ApiContext context, NodeMetrics metrics) {
    this.context = context;
    this.metrics = metrics;
  }

  public Route route() {
    return path("metrics", () -> get(() -> completeWithFuture(CompletableFuture.supplyAsync(() ->
        HttpResponse.create().withEntity(HttpEntities.create(PROMETHEUS, metrics.scrape())), context.blocking()))));
  }

  /** Counts and times requests by resource (the path up to its first id), method and status class. */
  public Route timed(Supplier<Route> inner) {
    MeterRegistry registry = metrics.registry();
    return extractRequest(request -> {
      long start = System.nanoTime();
      String resource = resource(request.getUri().path());
      String method = request.method().name();
      return mapResponse(response -> {
        Timer.builder("ferry_api_requests")
            .description("API requests by resource, method and status class")
            .tag("resource", resource).tag("method", method)
            .tag("status", response.status().intValue() / 100 + "xx")
            .register(registry)
            .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        return response;
      }, inner);
    });
  }

  /** {@code /api/v1/projects/site/deployments} → {@code projects}: bounded label values, no ids. */
  static String resource(String path) {
    String[] segments = path.split("/");
    if (segments.length > 3 && segments[1].equals("api") && segments[2].equals("v1")) {
      return segments[3].isEmpty() ? "other" : segments[3].replaceAll("[^a-z-]", "");
    }
    return segments.length > 1 && (segments[1].equals("health") || segments[1].equals("metrics"))
        ? segments[1] : "other";
  }
}
