package dev.ferry.edge;

import dev.ferry.common.Listener;
import dev.ferry.edge.tls.CertificateStore;
import dev.ferry.edge.tls.LocalCertificateStore;
import dev.ferry.routing.RouteLookup;
import dev.ferry.storage.BlobStore;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import io.netty.handler.ssl.SslContext;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Uri;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public HTTP edge: resolves the request's host to a deployment and serves that deployment's static files, on a
 * plain HTTP listener ({@link #start}) and an HTTPS listener with HTTP/2 ({@link #startTls}), both on Netty (ADR
 * 0018). Both hand the same handler a Pekko HTTP request; it answers a cached file on the calling thread from
 * ready-made response templates; only cache misses go to the blocking-I/O dispatcher.
 *
 * <p>Once the HTTPS listener is up, plain HTTP requests for hosts with a certificate in the store are redirected
 * (308) to HTTPS, except ACME HTTP-01 challenges; hosts served only by the development certificate are not.
 */
public final class EdgeServer {

  static final int MANIFEST_CACHE_ENTRIES = 1000;
  static final long SMALL_FILE_CACHE_BYTES = 64L * 1024 * 1024;
  static final String ACME_CHALLENGE_PREFIX = ".well-known/acme-challenge/";
  /** A request body is collected in memory for a function; whatever a function's limit, never more than this. */
  static final long MAX_COLLECTED_BODY_BYTES = 64L * 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(EdgeServer.class);
  private static final String RAW_REQUEST_URI = NettyMessages.RAW_REQUEST_URI;

  /**
   * @param certificates certificates of real hosts: decide the plain-HTTP redirect (the TLS context is given to
   *     {@link #startTls} and normally reads the same store)
   * @param metrics where access counters go
   * @param smallFileCacheBytes memory for file contents, in total
   * @param inMemoryFileLimit files up to this size are served from memory once read
   */
  public record Options(CertificateStore certificates, EdgeMetrics metrics, int manifestCacheEntries,
      long smallFileCacheBytes, long inMemoryFileLimit, boolean proxyToPrivateAddresses) {

    public static Options defaults() {
      return new Options(LocalCertificateStore.inMemory(), new EdgeMetrics(), MANIFEST_CACHE_ENTRIES,
          SMALL_FILE_CACHE_BYTES, BlobBodies.DEFAULT_IN_MEMORY_LIMIT_BYTES, false);
    }

    public Options withCertificates(CertificateStore store) {
      return new Options(store, metrics, manifestCacheEntries, smallFileCacheBytes, inMemoryFileLimit,
          proxyToPrivateAddresses);
    }

    public Options withMetrics(EdgeMetrics edgeMetrics) {
      return new Options(certificates, edgeMetrics, manifestCacheEntries, smallFileCacheBytes, inMemoryFileLimit,
          proxyToPrivateAddresses);
    }

    /**
     * Whether routes may proxy to loopback, private and link-local addresses (off by default: a deployment's
     * configuration must not reach internal services; tests turn it on).
     */
    public Options withProxyToPrivateAddresses(boolean allowed) {
      return new Options(certificates, metrics, manifestCacheEntries, smallFileCacheBytes, inMemoryFileLimit,
          allowed);
    }
  }

  private final ActorSystem<?> system;
  private final RouteLookup routes;
  private final StaticFiles staticFiles;
  private final CertificateStore certificates;
  private final EdgeMetrics metrics;
  /** Asked before the 404 for a host that names no deployment: the health probes of a node without the API. */
  private volatile java.util.function.Function<HttpRequest, Optional<CompletionStage<HttpResponse>>> unrouted =
      request -> Optional.empty();
  /** ACME HTTP-01: the key authorization for a challenge token, answered on plain HTTP for any host. */
  private volatile java.util.function.Function<String, Optional<String>> acmeChallenges = token -> Optional.empty();
  /** The HTTPS listener's port once bound; 0 while there is none (no redirects then). */
  private volatile int httpsPort;

  public EdgeServer(ActorSystem<?> system, RouteLookup routes, BlobStore blobs) {
    this(system, routes, blobs, Options.defaults());
  }

  public EdgeServer(ActorSystem<?> system, RouteLookup routes, BlobStore blobs, Options options) {
    this.system = system;
    this.routes = routes;
    this.certificates = options.certificates();
    this.metrics = options.metrics();
    Executor blockingIo = system.dispatchers().lookup(DispatcherSelector.blocking());
    this.staticFiles = new StaticFiles(
        new ManifestCache(blobs, blockingIo, options.manifestCacheEntries()),
        new BlobBodies(blobs, blockingIo, new SmallFileCache(options.smallFileCacheBytes()),
            options.inMemoryFileLimit()),
        new EdgeProxy(system, blockingIo, options.proxyToPrivateAddresses(), EdgeProxy.DEFAULT_TIMEOUT,
            EdgeProxy.DEFAULT_MAX_RESPONSE_BYTES), system);
  }

  public EdgeMetrics metrics() {
    return metrics;
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

  /** Lets {@code keyAuthorizations} answer {@code /.well-known/acme-challenge/<token>} on plain HTTP. */
  public EdgeServer answerAcmeChallengesWith(java.util.function.Function<String, Optional<String>> keyAuthorizations) {
    this.acmeChallenges = keyAuthorizations;
    return this;
  }

  /**
   * Lets {@code invoker} run the functions of deployments; then requests of any method reach a deployment's routes
   * (static files still answer only GET and HEAD), and a function gets the request's body.
   */
  public EdgeServer runFunctionsWith(FunctionInvoker invoker) {
    staticFiles.runFunctionsWith(invoker);
    return this;
  }

  /**
   * The plain HTTP/1.1 listener, on Netty's event loops (ADR 0018): a cached file is answered on the thread that read
   * the request.
   */
  public CompletionStage<Listener> start(String iface, int port) {
    return listen("Edge", iface, port, null);
  }

  /**
   * The HTTPS listener: HTTP/2 and HTTP/1.1 negotiated by ALPN, certificates from the context (see
   * {@link dev.ferry.edge.tls.EdgeTls#serverContext}). Once bound, plain HTTP redirects to its port.
   */
  public CompletionStage<Listener> startTls(String iface, int port, SslContext tls) {
    return listen("Edge HTTPS", iface, port, tls).thenApply(listener -> {
      httpsPort = listener.localAddress().getPort();
      return listener;
    });
  }

  private CompletionStage<Listener> listen(String name, String iface, int port, SslContext tls) {
    int ioThreads = system.settings().config().getInt("ferry.edge.io-threads");
    boolean secure = tls != null;
    return NettyListener.bind(system, iface, port, ioThreads, request -> handle(request, secure),
            () -> Math.min(staticFiles.requestBodyLimit(), MAX_COLLECTED_BODY_BYTES), tls)
        .whenComplete((listener, failure) -> {
          if (failure != null) {
            log.error("{} could not bind {}:{}", name, iface, port, failure);
          } else {
            log.info("{} listening on {}", name, listener.localAddress());
          }
        });
  }

  /** Handles one request; every response, including failures, carries the edge headers and is counted. */
  CompletionStage<HttpResponse> handle(HttpRequest request, boolean secure) {
    long started = System.nanoTime();
    boolean functions = staticFiles.runsFunctions();
    if (!request.entity().isKnownEmpty() && !functions) {
      // An unread request body would stall the connection; only functions read one.
      request.discardEntityBytes(system);
    }
    String deployment = null;
    CompletionStage<HttpResponse> response;
    try {
      // The path is checked before anything else so malformed requests never reach a lookup.
      String target = rawTarget(request);
      Optional<RequestPath> path = RequestPath.parse(target);
      Optional<String> host = path.isEmpty() ? Optional.empty() : RequestHost.of(request);
      if (path.isEmpty()) {
        response = done(EdgeResponses.invalidPath());
      } else if (host.isEmpty()) {
        response = done(EdgeResponses.missingHost());
      } else if (!secure && acmeChallenge(path.get()).isPresent()) {
        response = done(EdgeResponses.acmeChallenge(acmeChallenge(path.get()).get()));
      } else if (!secure && redirectsToHttps(host.get(), path.get())) {
        response = done(EdgeResponses.permanentRedirect(httpsUrl(host.get(), target)));
      } else if (!isGetOrHead(request.method()) && !functions) {
        response = done(EdgeResponses.methodNotAllowed());
      } else {
        deployment = routes.deploymentFor(host.get()).orElse(null);
        String unknownHost = host.get();
        if (deployment == null && functions && !request.entity().isKnownEmpty()) {
          request.discardEntityBytes(system);
        }
        response = deployment == null
            ? unrouted.apply(request).orElseGet(() -> done(EdgeResponses.unknownHost(unknownHost)))
            : staticFiles.serve(deployment, path.get(), request).exceptionally(failure -> failed(request, failure));
      }
    } catch (RuntimeException e) {
      response = done(failed(request, e));
    }
    String served = deployment;
    return response.thenApply(r -> finish(request, r, served, started));
  }

  private HttpResponse finish(HttpRequest request, HttpResponse response, String deployment, long started) {
    boolean head = request.method().equals(HttpMethods.HEAD);
    long bytes = head ? 0 : response.entity().getContentLengthOption().orElse(0);
    metrics.record(deployment, response.status().intValue(), bytes, System.nanoTime() - started);
    return response;
  }

  private Optional<String> acmeChallenge(RequestPath path) {
    String relative = path.path();
    if (!relative.startsWith(ACME_CHALLENGE_PREFIX)) {
      return Optional.empty();
    }
    String token = relative.substring(ACME_CHALLENGE_PREFIX.length());
    return token.isEmpty() || token.length() > 256 ? Optional.empty() : acmeChallenges.apply(token);
  }

  private boolean redirectsToHttps(String host, RequestPath path) {
    return httpsPort > 0
        && !certificates.isEmpty()
        && !path.path().startsWith(ACME_CHALLENGE_PREFIX)
        && certificates.matching(host).isPresent();
  }

  private String httpsUrl(String host, String rawTarget) {
    String pathAndQuery = rawTarget;
    if (!pathAndQuery.startsWith("/")) {
      // absolute-form: keep what follows the authority
      int schemeEnd = pathAndQuery.indexOf("://");
      int pathStart = schemeEnd < 0 ? -1 : pathAndQuery.indexOf('/', schemeEnd + 3);
      pathAndQuery = pathStart < 0 ? "/" : pathAndQuery.substring(pathStart);
    }
    int port = httpsPort;
    return "https://" + host + (port == 443 ? "" : ":" + port) + pathAndQuery;
  }

  /**
   * The request-target exactly as sent (HTTP/2: the {@code :path}), which the listeners pass as
   * {@code Raw-Request-URI}. Pekko normalizes the parsed {@link Uri} (dot segments removed), so the raw form is needed
   * to reject traversal attempts rather than silently rewrite them. Without that header (a request made in a test),
   * the path with query comes from the parsed URI.
   */
  static String rawTarget(HttpRequest request) {
    Optional<HttpHeader> raw = request.getHeader(RAW_REQUEST_URI);
    if (raw.isPresent()) {
      return raw.get().value();
    }
    Uri uri = request.getUri();
    Optional<String> query = uri.rawQueryString();
    return query.isPresent() ? uri.getPathString() + "?" + query.get() : uri.getPathString();
  }

  static boolean isGetOrHead(HttpMethod method) {
    return method.equals(HttpMethods.GET) || method.equals(HttpMethods.HEAD);
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
