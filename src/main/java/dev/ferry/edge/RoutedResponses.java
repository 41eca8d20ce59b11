package dev.ferry.edge;

import dev.ferry.output.Request;
import dev.ferry.output.Result;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * The bridge between a Pekko request/response and the routes engine of {@link dev.ferry.output}: the engine's
 * request, the headers its routes set, and the answers that carry no file (redirects, statuses, functions).
 */
final class RoutedResponses {

  /**
   * Headers a route may not set: they describe the connection or the body, which the edge owns (the content type
   * is applied to the entity instead).
   */
  static final Set<String> NOT_SETTABLE = Set.of("connection", "keep-alive", "proxy-connection", "transfer-encoding",
      "te", "trailer", "upgrade", "content-length", "content-encoding", "date", "server");

  private static final String RAW_REQUEST_URI = "raw-request-uri";

  private RoutedResponses() {}

  /** The engine's view of an edge request (path already decoded and checked by {@link RequestPath}). */
  static Request engineRequest(RequestPath path, HttpRequest request) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (HttpHeader header : request.getHeaders()) {
      String name = header.lowercaseName();
      if (!name.equals(RAW_REQUEST_URI) && !name.equals("timeout-access")) {
        headers.merge(name, header.value(), (a, b) -> a + ", " + b);
      }
    }
    Optional<String> rawQuery = request.getUri().rawQueryString();
    return Request.of(request.method().value(), "/" + path.path(),
        Request.parseQuery(rawQuery.orElse(null)), headers, headers.get("host"));
  }

  /** Redirects, statuses and functions: the answers without a file. */
  static HttpResponse of(Result result) {
    if (result instanceof Result.Redirect redirect) {
      HttpResponse response = withBody(base(redirect.status()),
          HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, "Redirecting to " + redirect.location()));
      Map<String, String> headers = new LinkedHashMap<>(redirect.headers());
      headers.put("location", redirect.location());
      return withHeaders(response, headers);
    }
    if (result instanceof Result.Status status) {
      StatusCode code = status(status.status());
      return withHeaders(withBody(base(status.status()),
          HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, code.intValue() + " " + code.reason())), status.headers());
    }
    if (result instanceof Result.ServeFunction function) {
      return withHeaders(withBody(base(404), HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8,
          "Not found: this path is served by the function \"" + function.name()
              + "\", and this Ferry does not run functions yet")), function.headers());
    }
    throw new IllegalArgumentException("not an answer without a file: " + result);
  }

  /** Applies the headers routes set: each replaces a header of the same name; Content-Type changes the entity. */
  static HttpResponse withHeaders(HttpResponse response, Map<String, String> headers) {
    if (headers.isEmpty()) {
      return response;
    }
    HttpResponse result = response;
    for (Map.Entry<String, String> header : headers.entrySet()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      String value = header.getValue();
      if (NOT_SETTABLE.contains(name) || !isSafeValue(value) || !isToken(name)) {
        continue;
      }
      if (name.equals("content-type")) {
        Optional<ContentType> type = parseContentType(value);
        if (type.isPresent() && !result.entity().isKnownEmpty()) {
          result = result.withEntity((ResponseEntity) result.entity().withContentType(type.get()));
        }
        continue;
      }
      result = result.removeHeader(name).addHeader(RawHeader.create(name, value));
    }
    return result;
  }

  /** The entity, unless the status forbids one (204, 304, 1xx). */
  static HttpResponse withBody(HttpResponse response, ResponseEntity body) {
    return response.status().allowsEntity() ? response.withEntity(body) : response;
  }

  /** Any status 100–999 a configuration may name, including ones Pekko does not know. */
  static StatusCode status(int code) {
    Optional<StatusCode> known = StatusCodes.lookup(code);
    if (known.isPresent()) {
      return known.get();
    }
    boolean success = code < 400;
    return StatusCodes.custom(code, "Status " + code, "", success, code >= 200 && code != 204 && code != 304);
  }

  private static HttpResponse base(int code) {
    return HttpResponse.create()
        .withStatus(status(code))
        .addHeader(EdgeResponses.NOSNIFF);
  }

  private static Optional<ContentType> parseContentType(String value) {
    try {
      return Optional.of(ContentTypes.parse(value));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** No control characters (a header value must not be able to end the header or the response head). */
  private static boolean isSafeValue(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
        return false;
      }
    }
    return true;
  }

  private static boolean isToken(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= 0x20 || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
        return false;
      }
    }
    return true;
  }
}
