package dev.ferry.edge;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SystemMaterializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards a request to the external {@code http(s)} URL a route names (a rewrite to another origin) with Pekko
 * HTTP's client: hop-by-hop headers are dropped both ways, the whole exchange has a time limit and the response
 * a size limit (it is buffered), and, unless allowed, destinations that resolve to loopback, private, link-local
 * or other internal addresses are refused, so a deployment's configuration cannot reach Ferry's own services or
 * the operator's network. Every failure is a 502 (504 on timeout) with a short explanation.
 */
final class EdgeProxy {

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);
  static final long DEFAULT_MAX_RESPONSE_BYTES = 10L * 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(EdgeProxy.class);

  /** RFC 9110 7.6.1 connection options, plus what the edge or the client sets itself. */
  private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection",
      "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host",
      "content-length", "content-type", "raw-request-uri", "timeout-access", "date", "server");

  private final ActorSystem<?> system;
  private final Executor blockingIo;
  private final boolean allowPrivateAddresses;
  private final Duration timeout;
  private final long maxResponseBytes;

  EdgeProxy(ActorSystem<?> system, Executor blockingIo, boolean allowPrivateAddresses, Duration timeout,
      long maxResponseBytes) {
    this.system = system;
    this.blockingIo = blockingIo;
    this.allowPrivateAddresses = allowPrivateAddresses;
    this.timeout = timeout;
    this.maxResponseBytes = maxResponseBytes;
  }

  CompletionStage<HttpResponse> forward(String url, HttpRequest incoming) {
    Uri uri;
    try {
      uri = Uri.create(url);
    } catch (RuntimeException e) {
      return done(badGateway("the route's proxy destination is not a valid URL"));
    }
    String scheme = uri.scheme().toLowerCase(Locale.ROOT);
    String host = uri.host().address();
    if (!(scheme.equals("http") || scheme.equals("https")) || host == null || host.isEmpty()) {
      return done(badGateway("the route's proxy destination must be an http or https URL with a host"));
    }
    HttpRequest outgoing = HttpRequest.create()
        .withMethod(incoming.method())
        .withUri(uri)
        .addHeaders(forwardedHeaders(incoming));
    CompletableFuture<Boolean> allowed = allowPrivateAddresses
        ? CompletableFuture.completedFuture(true)
        : CompletableFuture.supplyAsync(() -> isPublic(host), blockingIo);
    return allowed.thenCompose(ok -> {
      if (!ok) {
        return done(badGateway("the route's proxy destination " + host + " is not a public address"));
      }
      return exchange(outgoing);
    }).exceptionally(failure -> {
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause()
          : failure;
      if (cause instanceof TimeoutException) {
        return plain(StatusCodes.GATEWAY_TIMEOUT, "Gateway timeout: the proxied origin did not answer within "
            + timeout.toSeconds() + " s");
      }
      log.info("Proxy to {} failed: {}", uri, cause.toString());
      return badGateway("the proxied origin could not be reached or sent an invalid or too large response");
    });
  }

  private CompletionStage<HttpResponse> exchange(HttpRequest outgoing) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Materializer materializer = SystemMaterializer.get(system).materializer();
    CompletableFuture<HttpResponse> sent = Http.get(system).singleRequest(outgoing).toCompletableFuture();
    CompletableFuture<HttpResponse> response = sent.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    response.whenComplete((r, failure) -> {
      if (failure != null) {
        // A late response must still be drained, or its pooled connection stays blocked.
        sent.thenAccept(late -> late.discardEntityBytes(materializer));
      }
    });
    return response.thenCompose(upstream -> {
      long remaining = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      return upstream.entity().toStrict(remaining, maxResponseBytes, materializer)
          .thenApply(body -> answer(upstream, body));
    });
  }

  private static HttpResponse answer(HttpResponse upstream, HttpEntity.Strict body) {
    List<HttpHeader> headers = new ArrayList<>();
    Set<String> listedInConnection = connectionOptions(upstream.getHeaders());
    for (HttpHeader header : upstream.getHeaders()) {
      String name = header.lowercaseName();
      if (!NOT_FORWARDED.contains(name) && !listedInConnection.contains(name) && !name.equals("content-encoding")) {
        headers.add(header);
      }
    }
    upstream.getHeader("Content-Encoding").ifPresent(headers::add);
    HttpResponse response = HttpResponse.create().withStatus(upstream.status()).withHeaders(headers);
    return upstream.status().allowsEntity()
        ? response.withEntity(HttpEntities.create(body.getContentType(), body.getData()))
        : response;
  }

  private static List<HttpHeader> forwardedHeaders(HttpRequest incoming) {
    List<HttpHeader> headers = new ArrayList<>();
    Set<String> listedInConnection = connectionOptions(incoming.getHeaders());
    String originalHost = null;
    for (HttpHeader header : incoming.getHeaders()) {
      String name = header.lowercaseName();
      if (name.equals("host")) {
        originalHost = header.value();
      }
      if (!NOT_FORWARDED.contains(name) && !listedInConnection.contains(name)) {
        headers.add(RawHeader.create(header.name(), header.value()));
      }
    }
    if (originalHost != null) {
      headers.add(RawHeader.create("X-Forwarded-Host", originalHost));
    }
    return headers;
  }

  private static Set<String> connectionOptions(Iterable<HttpHeader> headers) {
    Set<String> names = new HashSet<>();
    for (HttpHeader header : headers) {
      if (header.is("connection")) {
        for (String option : header.value().split(",")) {
          names.add(option.trim().toLowerCase(Locale.ROOT));
        }
      }
    }
    return names;
  }

  /** Whether every address the host resolves to is a public one. */
  static boolean isPublic(String host) {
    try {
      String name = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
      InetAddress[] addresses = InetAddress.getAllByName(name);
      for (InetAddress address : addresses) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
            || address.isSiteLocalAddress() || address.isMulticastAddress() || isUniqueLocal(address)
            || isSharedOrReserved(address)) {
          return false;
        }
      }
      return addresses.length > 0;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static boolean isUniqueLocal(InetAddress address) {
    byte[] bytes = address.getAddress();
    return bytes.length == 16 && (bytes[0] & 0xfe) == 0xfc;
  }

  /** 100.64.0.0/10 (carrier-grade NAT), 0.0.0.0/8 and 240.0.0.0/4. */
  private static boolean isSharedOrReserved(InetAddress address) {
    byte[] b = address.getAddress();
    if (b.length != 4) {
      return false;
    }
    int first = b[0] & 0xff;
    int second = b[1] & 0xff;
    return first == 0 || first >= 240 || (first == 100 && second >= 64 && second < 128);
  }

  private static HttpResponse badGateway(String why) {
    return plain(StatusCodes.BAD_GATEWAY, "Bad gateway: " + why);
  }

  private static HttpResponse plain(org.apache.pekko.http.javadsl.model.StatusCode status, String text) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, text))
        .addHeader(EdgeResponses.NOSNIFF);
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
