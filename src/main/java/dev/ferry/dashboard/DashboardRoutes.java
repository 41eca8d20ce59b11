package dev.ferry.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The web dashboard (built from {@code src/main/dashboard} into the jar's {@code dashboard/} folder) at {@code /}:
 * its files, and {@code index.html} for every other page path so that client routes load on a refresh. It never
 * answers under {@code /api/}, {@code /health} or {@code /metrics}, and only for GET and HEAD.
 *
 * <p>Every answer carries a strict Content-Security-Policy: scripts, styles, fonts and images from this origin
 * only (no inline script), and connections to this origin over HTTP and WebSocket.
 */
public final class DashboardRoutes extends AllDirectives {

  static final String RESOURCE_ROOT = "dashboard/";
  private static final List<String> RESERVED = List.of("api", "health", "metrics");
  /** Files the build writes: hashed assets and a few top-level files; nothing else is looked up. */
  private static final Pattern FILE_PATH = Pattern.compile("^(?!.*\\.\\.)[A-Za-z0-9_./-]{1,200}$");
  /** What a Host header may hold to be echoed into the policy's ws: source. */
  private static final Pattern HOST = Pattern.compile("^[A-Za-z0-9.\\-]{1,253}(:[0-9]{1,5})?$|^\\[[0-9A-Fa-f:.]{2,45}\\](:[0-9]{1,5})?$");
  private static final Map<String, ContentType> TYPES = Map.of(
      "js", MediaTypes.applicationWithOpenCharset("javascript").toContentType(HttpCharsets.UTF_8),
      "css", MediaTypes.TEXT_CSS.toContentType(HttpCharsets.UTF_8),
      "html", ContentTypes.TEXT_HTML_UTF8,
      "svg", MediaTypes.IMAGE_SVG_XML.toContentType(),
      "png", MediaTypes.IMAGE_PNG.toContentType(),
      "ico", MediaTypes.applicationBinary("vnd.microsoft.icon", false).toContentType(),
      "json", ContentTypes.APPLICATION_JSON,
      "woff2", MediaTypes.applicationBinary("font-woff2", false).toContentType(),
      "txt", ContentTypes.TEXT_PLAIN_UTF8);

  private final ClassLoader loader;
  /** Files found so far (misses are not kept, so that requests for made-up names cannot fill it). */
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();

  public DashboardRoutes() {
    this(DashboardRoutes.class.getClassLoader());
  }

  DashboardRoutes(ClassLoader loader) {
    this.loader = loader;
  }

  /** Whether the dashboard was built into this jar (a build with {@code -Ddashboard.skip} leaves it out). */
  public boolean available() {
    return file("index.html").isPresent();
  }

  public Route route() {
    return extractRequest(request -> {
      String path = request.getUri().path();
      if (!isPage(request, path)) {
        return reject();
      }
      return complete(answer(request, path));
    });
  }

  private static boolean isPage(HttpRequest request, String path) {
    if (!request.method().equals(HttpMethods.GET) && !request.method().equals(HttpMethods.HEAD)) {
      return false;
    }
    String first = path.replaceFirst("^/+", "").split("/", 2)[0];
    return RESERVED.stream().noneMatch(first::equals);
  }

  HttpResponse answer(HttpRequest request, String path) {
    String relative = path.replaceFirst("^/+", "");
    boolean asset = relative.startsWith("assets/");
    boolean named = lastSegment(relative).contains(".");
    Optional<byte[]> found = named && FILE_PATH.matcher(relative).matches() ? file(relative) : Optional.empty();
    if (found.isPresent()) {
      return withPolicy(request, HttpResponse.create()
          .withEntity(HttpEntities.create(type(relative), found.get()))
          .addHeader(RawHeader.create("Cache-Control",
              asset ? "public, max-age=31536000, immutable" : "no-cache")));
    }
    // A missing asset or file is a 404; any other path is a page of the single-page app.
    if (asset || named) {
      return withPolicy(request, HttpResponse.create().withStatus(StatusCodes.NOT_FOUND)
          .withEntity(ContentTypes.TEXT_PLAIN_UTF8, "Not found"));
    }
    Optional<byte[]> index = file("index.html");
    if (index.isEmpty()) {
      return HttpResponse.create().withStatus(StatusCodes.NOT_FOUND).withEntity(ContentTypes.TEXT_PLAIN_UTF8,
          "The dashboard is not part of this build (it was packaged with -Ddashboard.skip=true or without Node.js)");
    }
    return withPolicy(request, HttpResponse.create()
        .withEntity(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, index.get()))
        .addHeader(RawHeader.create("Cache-Control", "no-cache")));
  }

  private static String lastSegment(String relative) {
    return relative.substring(relative.lastIndexOf('/') + 1);
  }

  private static HttpResponse withPolicy(HttpRequest request, HttpResponse response) {
    return response.addHeaders(headers(request.getHeader("Host").map(HttpHeader::value)
        .filter(host -> HOST.matcher(host).matches())));
  }

  static List<HttpHeader> headers(Optional<String> host) {
    String sockets = host.map(h -> " ws://" + h + " wss://" + h).orElse("");
    String policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        + "connect-src 'self'" + sockets + "; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
        + "frame-ancestors 'none'; object-src 'none'";
    return List.of(
        RawHeader.create("Content-Security-Policy", policy),
        RawHeader.create("X-Content-Type-Options", "nosniff"),
        RawHeader.create("X-Frame-Options", "DENY"),
        RawHeader.create("Referrer-Policy", "no-referrer"),
        RawHeader.create("Cross-Origin-Opener-Policy", "same-origin"));
  }

  private static ContentType type(String relative) {
    String name = lastSegment(relative);
    String extension = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1) : "";
    return TYPES.getOrDefault(extension, ContentTypes.APPLICATION_OCTET_STREAM);
  }

  private Optional<byte[]> file(String relative) {
    byte[] cached = files.get(relative);
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<byte[]> loaded = load(relative);
    loaded.ifPresent(bytes -> files.put(relative, bytes));
    return loaded;
  }

  private Optional<byte[]> load(String relative) {
    try (InputStream in = loader.getResourceAsStream(RESOURCE_ROOT + relative)) {
      return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
