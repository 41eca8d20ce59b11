package dev.ferry.edge;

import dev.ferry.edge.ServedFile.Representation;
import dev.ferry.output.Result;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.ContentRange;
import org.apache.pekko.http.javadsl.model.headers.IfModifiedSince;
import org.apache.pekko.http.javadsl.model.headers.RangeUnits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one deployment's files: maps the request path onto its manifest, picks the representation the client
 * accepts best (brotli, gzip, as is), answers conditional requests with 304 (If-None-Match, else If-Modified-Since),
 * single byte ranges with 206 or 416 (If-Range honoured; ranges only on the file as is), and falls back to the
 * deployment's own {@code 404.html}.
 */
public final class StaticFiles {

  static final String NOT_FOUND_PAGE = "404.html";

  private static final Logger log = LoggerFactory.getLogger(StaticFiles.class);

  private final ManifestCache manifests;
  private final BlobBodies bodies;
  private final EdgeProxy proxy;
  private final org.apache.pekko.actor.typed.ActorSystem<?> system;
  /** Runs functions; null on a node without them (function paths then answer 404). */
  private volatile FunctionInvoker functions;

  StaticFiles(ManifestCache manifests, BlobBodies bodies, EdgeProxy proxy,
      org.apache.pekko.actor.typed.ActorSystem<?> system) {
    this.manifests = manifests;
    this.bodies = bodies;
    this.proxy = proxy;
    this.system = system;
  }

  void runFunctionsWith(FunctionInvoker invoker) {
    this.functions = invoker;
  }

  /** How much of a request's body to collect: as much as a function takes, none without functions. */
  long requestBodyLimit() {
    FunctionInvoker invoker = functions;
    return invoker == null ? 0 : invoker.maxRequestBodyBytes();
  }

  boolean runsFunctions() {
    return functions != null;
  }

  /**
   * What is not a function reads no body and answers only GET and HEAD; with functions, every method and body
   * reaches routing first, so this is decided here.
   */
  private CompletionStage<HttpResponse> notForFunctions(HttpRequest request) {
    if (functions == null) {
      return null;
    }
    if (!request.entity().isKnownEmpty()) {
      request.discardEntityBytes(system);
    }
    return EdgeServer.isGetOrHead(request.method()) ? null : done(EdgeResponses.methodNotAllowed());
  }

  /** The request's path as sent, percent-encoded, without the query. */
  private static String rawPath(HttpRequest request) {
    String target = EdgeServer.rawTarget(request);
    if (!target.startsWith("/")) {
      int schemeEnd = target.indexOf("://");
      int pathStart = schemeEnd < 0 ? -1 : target.indexOf('/', schemeEnd + 3);
      target = pathStart < 0 ? "/" : target.substring(pathStart);
    }
    int query = target.indexOf('?');
    return query < 0 ? target : target.substring(0, query);
  }

  /** The response for a GET or HEAD (the server leaves out the body of a HEAD response). */
  public CompletionStage<HttpResponse> serve(String deploymentId, RequestPath path, HttpRequest request) {
    Site cached = manifests.cached(deploymentId);
    if (cached != null) {
      return serve(cached, path, request);
    }
    return manifests.site(deploymentId).thenCompose(site -> {
      if (site == null) {
        log.warn("Deployment {} is routed but has no manifest", deploymentId);
        return done(EdgeResponses.notFound());
      }
      return serve(site, path, request);
    });
  }

  private CompletionStage<HttpResponse> serve(Site site, RequestPath path, HttpRequest request) {
    if (site.routes() != null) {
      return routed(site, path, request);
    }
    CompletionStage<HttpResponse> refused = notForFunctions(request);
    if (refused != null) {
      return refused;
    }
    if (site.brokenConfig()) {
      return done(EdgeResponses.internalError());
    }
    ServedFile file = find(site, path);
    if (file == null) {
      return notFound(site, request);
    }
    return serveFile(file, request);
  }

  /** A deployment with routing: the routes engine decides, the answer is built from its result. */
  private CompletionStage<HttpResponse> routed(Site site, RequestPath path, HttpRequest request) {
    Result result = site.routes().route(RoutedResponses.engineRequest(path, request), site.lookup());
    FunctionInvoker invoker = functions;
    if (result instanceof Result.ServeFunction function && invoker != null) {
      return invoker.invoke(site.manifest().deploymentId(), site.manifest(), function, rawPath(request), request)
          .thenApply(r -> RoutedResponses.withHeaders(r, function.headers()));
    }
    CompletionStage<HttpResponse> refused = notForFunctions(request);
    if (refused != null) {
      return refused;
    }
    if (result instanceof Result.ServeFile serve) {
      ServedFile file = site.file(serve.path());
      if (file == null) {
        // The engine only serves what the lookup said exists; this would be a bug, not a client error.
        return notFound(site, request).thenApply(r -> RoutedResponses.withHeaders(r, serve.headers()));
      }
      if (serve.status() == 200) {
        return serveFile(file, request).thenApply(r -> RoutedResponses.withHeaders(r, serve.headers()));
      }
      return fileWithStatus(file, request, serve.status()).thenApply(r -> RoutedResponses.withHeaders(r, serve.headers()));
    }
    if (result instanceof Result.NotFound notFound) {
      return notFound(site, request).thenApply(r -> RoutedResponses.withHeaders(r, notFound.headers()));
    }
    if (result instanceof Result.Proxy forward) {
      return proxy.forward(forward.url(), request)
          .thenApply(r -> RoutedResponses.withHeaders(r, forward.headers()));
    }
    return done(RoutedResponses.of(result));
  }

  /** A file answered with a status a route set (e.g. an error page): the whole body, no ranges or 304. */
  private CompletionStage<HttpResponse> fileWithStatus(ServedFile file, HttpRequest request, int status) {
    int coding = ContentCodings.choose(Conditions.acceptEncoding(request), file.gzip != null, file.br != null);
    Representation representation = file.representation(coding);
    return bodies.entity(representation.sha256, representation.size, file.contentType)
        .thenApply(body -> {
          HttpResponse response = HttpResponse.create()
              .withStatus(RoutedResponses.status(status))
              .addHeader(EdgeResponses.FILE_CACHE_CONTROL)
              .addHeader(EdgeResponses.NOSNIFF);
          if (file.varies) {
            response = response.addHeader(ServedFile.VARY_ACCEPT_ENCODING);
          }
          if (representation.compressed) {
            response = response.addHeader(representation.ok.getHeader("Content-Encoding").orElseThrow());
          }
          return RoutedResponses.withBody(response, body);
        });
  }

  private CompletionStage<HttpResponse> serveFile(ServedFile file, HttpRequest request) {
    Conditions conditions = Conditions.of(request);
    int coding = conditions.range != null
        ? ContentCodings.IDENTITY
        : ContentCodings.choose(conditions.acceptEncoding, file.gzip != null, file.br != null);
    Representation representation = file.representation(coding);

    if (conditions.ifNoneMatch != null) {
      if (ETags.ifNoneMatchMatches(conditions.ifNoneMatch, representation.tag)) {
        return done(representation.notModified);
      }
    } else if (conditions.ifModifiedSince != null && file.lastModified != null
        && file.lastModified.clicks() <= conditions.ifModifiedSince.date().clicks()) {
      return done(representation.notModified);
    }

    if (conditions.range != null && !representation.compressed
        && (conditions.ifRange == null || ifRangeMatches(conditions.ifRange, representation, file))) {
      ByteRanges.Result range = ByteRanges.parse(conditions.range, representation.size);
      if (range == ByteRanges.UNSATISFIABLE) {
        return done(EdgeResponses.rangeNotSatisfiable(representation.size));
      }
      if (range.satisfiable()) {
        ContentRange contentRange = ContentRange.create(RangeUnits.BYTES,
            org.apache.pekko.http.javadsl.model.ContentRange.create(range.first(), range.last(), representation.size));
        return bodies.entity(representation.sha256, representation.size, file.contentType, range.first(),
                range.length())
            .thenApply(body -> representation.ok
                .withStatus(StatusCodes.PARTIAL_CONTENT)
                .addHeader(contentRange)
                .withEntity(body));
      }
    }
    return bodies.entity(representation.sha256, representation.size, file.contentType)
        .thenApply(body -> representation.ok.withEntity(body));
  }

  private static ServedFile find(Site site, RequestPath path) {
    for (String candidate : path.manifestCandidates()) {
      ServedFile file = site.file(candidate);
      if (file != null) {
        return file;
      }
    }
    return null;
  }

  private CompletionStage<HttpResponse> notFound(Site site, HttpRequest request) {
    ServedFile page = site.file(NOT_FOUND_PAGE);
    if (page == null) {
      return done(EdgeResponses.notFound());
    }
    String declared = site.manifest().file(NOT_FOUND_PAGE).contentType();
    ContentType type = declared == null || declared.isBlank() ? ContentTypes.TEXT_HTML_UTF8 : page.contentType;
    int coding = ContentCodings.choose(Conditions.acceptEncoding(request), page.gzip != null, page.br != null);
    Representation representation = page.representation(coding);
    return bodies.entity(representation.sha256, representation.size, type)
        .thenApply(body -> {
          HttpResponse response = HttpResponse.create()
              .withStatus(StatusCodes.NOT_FOUND)
              .withEntity(body)
              .addHeader(EdgeResponses.FILE_CACHE_CONTROL)
              .addHeader(EdgeResponses.NOSNIFF);
          if (page.varies) {
            response = response.addHeader(ServedFile.VARY_ACCEPT_ENCODING);
          }
          if (representation.compressed) {
            response = response.addHeader(representation.ok.getHeader("Content-Encoding").orElseThrow());
          }
          return response;
        });
  }

  /** If-Range: an entity tag must match strongly, a date must equal Last-Modified. */
  private static boolean ifRangeMatches(String ifRange, Representation representation, ServedFile file) {
    String value = ifRange.trim();
    if (value.startsWith("\"")) {
      return value.length() == representation.tag.length() + 2
          && value.regionMatches(1, representation.tag, 0, representation.tag.length())
          && value.endsWith("\"");
    }
    if (value.startsWith("W/") || file.lastModified == null) {
      return false;
    }
    try {
      long millis = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
      return millis == file.lastModified.clicks();
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  /** The request headers that shape a file response, found in one pass over the headers. */
  private static final class Conditions {
    HttpHeader acceptEncoding;
    String ifNoneMatch;
    IfModifiedSince ifModifiedSince;
    String range;
    String ifRange;

    static Conditions of(HttpRequest request) {
      Conditions conditions = new Conditions();
      for (HttpHeader header : request.getHeaders()) {
        switch (header.lowercaseName()) {
          case "accept-encoding" -> conditions.acceptEncoding = header;
          case "if-none-match" -> conditions.ifNoneMatch = conditions.ifNoneMatch == null
              ? header.value()
              : conditions.ifNoneMatch + ", " + header.value();
          case "if-modified-since" -> {
            if (header instanceof IfModifiedSince modeled) {
              conditions.ifModifiedSince = modeled;
            }
          }
          case "range" -> conditions.range = header.value();
          case "if-range" -> conditions.ifRange = header.value();
          default -> {
            // not a header that changes the response
          }
        }
      }
      return conditions;
    }

    static HttpHeader acceptEncoding(HttpRequest request) {
      for (HttpHeader header : request.getHeaders()) {
        if (header.is("accept-encoding")) {
          return header;
        }
      }
      return null;
    }
  }
}
