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
import org.apache.pekko.http.javadsl.model.headers.ProductVersion;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.Server;

/** The edge's own responses (errors and the unknown-host page) and the headers every response carries. */
final class EdgeResponses {

  static final Server SERVER = Server.create(ProductVersion.create("ferry", ""));

  /** Deployed files may change behind the same URL (on promote), so clients revalidate with the ETag. */
  static final CacheControl FILE_CACHE_CONTROL =
      CacheControl.create(CacheDirectives.PUBLIC, CacheDirectives.MAX_AGE(0), CacheDirectives.MUST_REVALIDATE);

  private static final CacheControl NO_STORE = CacheControl.create(CacheDirectives.NO_STORE);
  private static final RawHeader NOSNIFF = RawHeader.create("X-Content-Type-Options", "nosniff");

  private EdgeResponses() {}

  static HttpResponse withEdgeHeaders(HttpResponse response) {
    return response.addHeader(SERVER).addHeader(NOSNIFF);
  }

  static HttpResponse badRequest(String reason) {
    return plainText(StatusCodes.BAD_REQUEST, "Bad request: " + reason);
  }

  static HttpResponse methodNotAllowed() {
    return plainText(StatusCodes.METHOD_NOT_ALLOWED, "Method not allowed")
        .addHeader(Allow.create(HttpMethods.GET, HttpMethods.HEAD));
  }

  static HttpResponse notFound() {
    return plainText(StatusCodes.NOT_FOUND, "Not found");
  }

  static HttpResponse internalError() {
    return plainText(StatusCodes.INTERNAL_SERVER_ERROR, "Internal server error");
  }

  /** Shown for a host no deployment is routed to, e.g. a typo or a domain not assigned yet. */
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
        .addHeader(NO_STORE);
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
        .addHeader(NO_STORE);
  }
}
