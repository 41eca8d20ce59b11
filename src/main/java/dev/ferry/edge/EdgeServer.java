package dev.ferry.edge;

import dev.ferry.routing.RouteLookup;
import dev.ferry.storage.BlobStore;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.japi.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public HTTP edge: resolves the request's host to a deployment and serves that deployment's
 * static files. Uses Pekko HTTP's low-level request handler (no routing DSL) to keep the hot path lean.
 */
public final class EdgeServer {

  static final int MANIFEST_CACHE_ENTRIES = 1000;
  static final long SMALL_FILE_CACHE_BYTES = 64L * 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(EdgeServer.class);
  private static final String RAW_REQUEST_URI = "Raw-Request-URI";

  private final ActorSystem<?> system;
  private final RouteLookup routes;
  private final StaticFiles staticFiles;
  /** Asked before the 404 for a host that names no deployment: the health probes of a node without the API. */
  private volatile java.util.function.Function<HttpRequest, Optional<CompletionStage<HttpResponse>>> unrouted =
      request -> Optional.empty();

  public EdgeServer(ActorSystem<?> system, RouteLookup routes, BlobStore blobs) {
    this.system = system;
    this.routes = routes;
    Executor blockingIo = system.dispatchers().lookup(DispatcherSelector.blocking());
    this.staticFiles = new StaticFiles(
        new ManifestCache(blobs, blockingIo, MANIFEST_CACHE_ENTRIES),
        new BlobBodies(blobs, blockingIo, new SmallFileCache(SMALL_FILE_CACHE_BYTES)));
  }

  /**
   * Lets {@code handler} answer requests whose host names no deployment (a load balancer's probe by IP address), so
   * no deployment loses a path of its own; whatever it leaves empty gets the edge's 404.
   */
  public EdgeServer answerUnroutedHostsWith(
      java.util.function.Function<HttpRequest, Optional<CompletionStage<HttpResponse>>> handler) {
    this.unrouted = handler;
    return this;
  }

  public CompletionStage<ServerBinding> start(String iface, int port) {
    Function<HttpRequest, CompletionStage<HttpResponse>> handler = this::handle;
    return Http.get(system)
        .newServerAt(iface, port)
        .adaptSettings(EdgeServer::edgeSettings)
        .bind(handler)
        .whenComplete((binding, failure) -> {
          if (failure != null) {
            log.error("Edge could not bind {}:{}", iface, port, failure);
          } else {
            log.info("Edge listening on {}", binding.localAddress());
          }
        });
  }

  /** Handles one request; every response, including failures, carries the edge headers. */
  CompletionStage<HttpResponse> handle(HttpRequest request) {
    // An unread request body would stall the connection; edge requests are not expected to have one.
    request.discardEntityBytes(system);
    CompletionStage<HttpResponse> response;
    try {
      response = route(request).exceptionally(failure -> failed(request, failure));
    } catch (RuntimeException e) {
      response = CompletableFuture.completedFuture(failed(request, e));
    }
    return response.thenApply(EdgeResponses::withEdgeHeaders);
  }

  private CompletionStage<HttpResponse> route(HttpRequest request) {
    // The path is checked before anything else so malformed requests never reach a lookup.
    Optional<RequestPath> path = RequestPath.parse(rawTarget(request));
    if (path.isEmpty()) {
      return done(EdgeResponses.badRequest("invalid path"));
    }
    if (!isGetOrHead(request.method())) {
      return done(EdgeResponses.methodNotAllowed());
    }
    Optional<String> host = RequestHost.of(request);
    if (host.isEmpty()) {
      return done(EdgeResponses.badRequest("missing Host header"));
    }
    Optional<String> deployment = routes.deploymentFor(host.get());
    if (deployment.isEmpty()) {
      return unrouted.apply(request).orElseGet(() -> done(EdgeResponses.unknownHost(host.get())));
    }
    return staticFiles.serve(deployment.get(), path.get(), request);
  }

  /**
   * The request-target exactly as sent. Pekko normalizes the parsed {@link Uri} (dot segments removed),
   * so the raw form is needed to reject traversal attempts rather than silently rewrite them.
   */
  private static String rawTarget(HttpRequest request) {
    return request.getHeader(RAW_REQUEST_URI)
        .map(HttpHeader::value)
        .orElseGet(() -> request.getUri().getPathString());
  }

  private static boolean isGetOrHead(HttpMethod method) {
    return method.equals(HttpMethods.GET) || method.equals(HttpMethods.HEAD);
  }

  private static ServerSettings edgeSettings(ServerSettings defaults) {
    return defaults
        .withRawRequestUriHeader(true)
        // Relaxed parsing lets odd targets such as "/a\b" reach the edge's own path check and its 400.
        .withParserSettings(defaults.getParserSettings().withUriParsingMode(Uri.RELAXED))
        // HEAD is handled like GET; Pekko's renderer then sends the headers and drops the body.
        .withTransparentHeadRequests(false)
        .withServerHeader(Optional.of(EdgeResponses.SERVER));
  }

  private static HttpResponse failed(HttpRequest request, Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
    log.error("Edge failed to serve {} {}", request.method().value(), request.getUri(), cause);
    return EdgeResponses.internalError();
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
