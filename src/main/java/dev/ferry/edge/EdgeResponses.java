package dev.ferry.edge;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Allow;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.model.headers.ContentRange;
import org.apache.pekko.http.javadsl.model.headers.ProductVersion;
import org.apache.pekko.http.javadsl.model.headers.RangeUnits;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.Server;

/**
 * The edge's own responses (errors, redirects and the unknown-host page) and the headers every response carries:
 * {@code X-Content-Type-Options} is part of each response built here and of every file response template; the
 * {@code Server} header is rendered by the server itself (see {@link EdgeServer}).
 */
final class EdgeResponses {

  static final Server SERVER = Server.create(ProductVersion.create("ferry", ""));

  /** Deployed files may change behind the same URL (on promote), so clients revalidate with the ETag. */
  static final CacheControl FILE_CACHE_CONTROL =
      CacheControl.create(CacheDirectives.PUBLIC, CacheDirectives.MAX_AGE(0), CacheDirectives.MUST_REVALIDATE);

  /** Content-hashed assets never change behind their URL: a year, without revalidation. */
  static final CacheControl IMMUTABLE_CACHE_CONTROL =
      CacheControl.create(CacheDirectives.PUBLIC, CacheDirectives.MAX_AGE(31_536_000), CacheDirectives.IMMUTABLE);

  static final RawHeader NOSNIFF = RawHeader.create("X-Content-Type-Options", "nosniff");
  private static final CacheControl NO_STORE = CacheControl.create(CacheDirectives.NO_STORE);

  private static final HttpResponse INVALID_PATH = plainText(StatusCodes.BAD_REQUEST, "Bad request: invalid path");
  private static final HttpResponse MISSING_HOST = plainText(StatusCodes.BAD_REQUEST, "Bad request: missing Host header");
  private static final HttpResponse METHOD_NOT_ALLOWED = plainText(StatusCodes.METHOD_NOT_ALLOWED, "Method not allowed")
      .addHeader(Allow.create(HttpMethods.GET, HttpMethods.HEAD));
  private static final HttpResponse NOT_FOUND = plainText(StatusCodes.NOT_FOUND, "Not found");
  private static final HttpResponse INTERNAL_ERROR =
      plainText(StatusCodes.INTERNAL_SERVER_ERROR, "Internal server error");

  private static final HttpResponse BAD_REQUEST = plainText(StatusCodes.BAD_REQUEST, "Bad request");
  private static final HttpResponse URI_TOO_LONG = plainText(StatusCodes.URI_TOO_LONG, "URI too long");
  private static final HttpResponse HEADERS_TOO_LARGE =
      plainText(StatusCodes.REQUEST_HEADER_FIELDS_TOO_LARGE, "Request header fields too large");
  private static final HttpResponse UNAVAILABLE =
      plainText(StatusCodes.SERVICE_UNAVAILABLE, "This server is shutting down; try again");

  private static final HttpResponse TIMED_OUT = plainText(StatusCodes.SERVICE_UNAVAILABLE,
      "The server was not able to produce a timely response to your request.\r\nPlease try again in a short while!");

  private EdgeResponses() {}

  /** No response within the request timeout (Pekko HTTP's answer and text). */
  static HttpResponse timedOut() {
    return TIMED_OUT;
  }

  /** A request the parser cannot read. */
  static HttpResponse badRequest() {
    return BAD_REQUEST;
  }

  static HttpResponse uriTooLong() {
    return URI_TOO_LONG;
  }

  static HttpResponse headersTooLarge() {
    return HEADERS_TOO_LARGE;
  }

  /** A request that arrives while the listener drains for shutdown. */
  static HttpResponse unavailable() {
    return UNAVAILABLE;
  }

  static HttpResponse invalidPath() {
    return INVALID_PATH;
  }

  static HttpResponse missingHost() {
    return MISSING_HOST;
  }

  static HttpResponse methodNotAllowed() {
    return METHOD_NOT_ALLOWED;
  }

  static HttpResponse notFound() {
    return NOT_FOUND;
  }

  static HttpResponse internalError() {
    return INTERNAL_ERROR;
  }

  /** 416 for a Range the file cannot satisfy, naming the file's size. */
  static HttpResponse rangeNotSatisfiable(long size) {
    return plainText(StatusCodes.RANGE_NOT_SATISFIABLE, "Range not satisfiable")
        .addHeader(ContentRange.create(RangeUnits.BYTES,
            org.apache.pekko.http.javadsl.model.ContentRange.createUnsatisfiable(size)));
  }

  /** 308 keeps the method and body, unlike 301. */
  static HttpResponse permanentRedirect(String location) {
    return HttpResponse.create()
        .withStatus(StatusCodes.PERMANENT_REDIRECT)
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, "Moved to " + location))
        .addHeader(RawHeader.create("Location", location))
        .addHeader(NO_STORE)
        .addHeader(NOSNIFF);
  }

  /** Shown for a host no deployment is routed to, e.g. a typo or a domain not assigned yet. */
  /** The body the CA expects for an ACME HTTP-01 challenge: the key authorization, nothing else. */
  static HttpResponse acmeChallenge(String keyAuthorization) {
    return plainText(StatusCodes.OK, keyAuthorization);
  }

  static HttpResponse unknownHost(String host) {
    String escaped = escapeHtml(host);
    String page = """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><title>No deployment at %1$s</title></head>
        <body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
        <h1>No deployment at %1$s</h1>
        <p>Nothing is deployed at this address. Check the URL for typos; if this is your project,
        make sure the deployment has finished and the domain is assigned to the project.</p>
        <p><small>ferry</small></p>
        </body>
        </html>
        """.formatted(escaped);
    return HttpResponse.create()
        .withStatus(StatusCodes.NOT_FOUND)
        .withEntity(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, page))
        .addHeader(NO_STORE)
        .addHeader(NOSNIFF);
  }

  static String escapeHtml(String text) {
    StringBuilder escaped = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> escaped.append("&amp;");
        case '<' -> escaped.append("&lt;");
        case '>' -> escaped.append("&gt;");
        case '"' -> escaped.append("&quot;");
        case '\'' -> escaped.append("&#39;");
        default -> escaped.append(c);
      }
    }
    return escaped.toString();
  }

  private static HttpResponse plainText(StatusCode status, String message) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, message))
        .addHeader(NO_STORE)
        .addHeader(NOSNIFF);
  }
}
