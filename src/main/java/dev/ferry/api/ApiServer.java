package dev.ferry.api;

import dev.ferry.dashboard.DashboardRoutes;
import dev.ferry.metrics.NodeMetrics;
import dev.ferry.storage.BlobStore;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;

/** The REST API on its own port: routes under /api/v1, health checks, problem+json for every error. */
public final class ApiServer extends AllDirectives {

  /** The API serves JSON only: nothing in it may be framed, sniffed, cached or run as a page. */
  private static final List<HttpHeader> SECURITY_HEADERS = List.of(
      RawHeader.create("X-Content-Type-Options", "nosniff"),
      RawHeader.create("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
      RawHeader.create("X-Frame-Options", "DENY"),
      RawHeader.create("Referrer-Policy", "no-referrer"),
      RawHeader.create("Cache-Control", "no-store"));

  private final ApiContext context;
  private final MetricsRoutes metrics;
  private final NodeMetrics nodeMetrics;
  private final BlobStore blobs;
  private java.util.function.Function<RequestSupport, Route> admin = support -> reject();
  private final DashboardRoutes dashboard = new DashboardRoutes();

  public ApiServer(ApiContext context, NodeMetrics metrics, BlobStore blobs) {
    this.context = context;
    this.metrics = new MetricsRoutes(context, metrics);
    this.nodeMetrics = metrics;
    this.blobs = blobs;
  }

  /** Adds the administrator's operations ({@link AdminRoutes}). */
  public ApiServer withAdmin(java.util.function.Function<RequestSupport, AdminRoutes> adminRoutes) {
    this.admin = support -> adminRoutes.apply(support).route();
    return this;
  }

  public CompletionStage<ServerBinding> start(String interfaceName, int port) {
    return Http.get(context.system()).newServerAt(interfaceName, port).bind(route());
  }

  public Route route() {
    RequestSupport support = new RequestSupport(context);
    Uploads uploads = new Uploads(context, support, blobs, nodeMetrics.registry());
    Route api = pathPrefix("api", () -> pathPrefix("v1", () -> concat(
        new AuthRoutes(context, support).route(),
        new TokenRoutes(context, support).route(),
        // Before ProjectRoutes, which authenticates every /projects request before matching the rest of the path.
        new EnvRoutes(context, support).route(),
        new AuditRoutes(context, support).route(),
        admin.apply(support),
        new DeployHookRoutes(context, support).route(),
        new DomainRoutes(context, support).route(),
        new GitHubWebhookRoutes(context, support).route(),
        new ProjectRoutes(context, support, uploads).route(),
        uploads.route(),
        new DeploymentRoutes(context, support).route(),
        new FrameworkDetectionRoutes(context, support).route())));
    Cors cors = new Cors(context.settings().corsOrigins());
    Route served = metrics.timed(() -> respondWithHeaders(SECURITY_HEADERS, () ->
        handleExceptions(exceptions(), () -> handleRejections(rejections(), () -> cors.handle(() ->
            concat(api, new HealthRoutes(context).route(), metrics.route()))))));
    // The dashboard's pages (GET outside /api, /health and /metrics) with their own CSP; everything else as above.
    return concat(dashboard.route(), served);
  }

  private ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder().matchAny(failure -> complete(Problems.fromFailure(failure))).build();
  }

  /** Pekko's rejections (no route, wrong method, too large...) as problem+json with the same status. */
  private static RejectionHandler rejections() {
    return RejectionHandler.defaultHandler().mapRejectionResponse(response -> {
      if (response.entity().getContentType().mediaType().toString().startsWith("application/problem+json")) {
        return response;
      }
      String detail = response.entity() instanceof org.apache.pekko.http.javadsl.model.HttpEntity.Strict strict
          ? strict.getData().utf8String() : response.status().reason();
      HttpResponse problem = Problems.response(response.status().intValue(), detail, List.of());
      return problem.withHeaders(response.getHeaders());
    });
  }
}
