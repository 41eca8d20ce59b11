package dev.ferry.edge;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import dev.ferry.output.BuildOutputConfig;
import dev.ferry.output.VercelJsonCompiler;
import dev.ferry.storage.Manifest;
import dev.ferry.storage.Manifest.FileEntry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import dev.ferry.common.Listener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deployment with routing, over real HTTP: a vercel.json (cleanUrls, trailingSlash, redirects, headers, rewrites
 * to files and to another origin) and a Build Output config.json with status routes, compiled as builds do and
 * stored in the manifest.
 */
class EdgeRoutesTest {

  private static final String SITE = "routed.ferry.test";
  private static final String OUTPUT = "output.ferry.test";
  private static final String PRIVATE = "private.ferry.test";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path storeDir;

  private static ActorSystem<Void> system;
  private static Listener binding;
  private static Listener strictBinding;
  private static HttpServer upstream;
  private static TempDirBlobStore blobs;
  private static int port;
  private static int strictPort;

  @BeforeAll
  static void start() throws Exception {
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", exchange -> {
      byte[] body = ("upstream " + exchange.getRequestURI().getRawPath() + " q="
          + exchange.getRequestURI().getRawQuery() + " fwd=" + exchange.getRequestHeaders().getFirst("X-Forwarded-Host"))
          .getBytes(UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
      exchange.getResponseHeaders().add("X-Upstream", "yes");
      exchange.getResponseHeaders().add("Proxy-Authenticate", "Basic");
      exchange.sendResponseHeaders(exchange.getRequestURI().getPath().endsWith("/missing") ? 404 : 200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    upstream.start();

    blobs = new TempDirBlobStore(storeDir);
    Map<String, FileEntry> files = new HashMap<>();
    files.put("index.html", text("<h1>home</h1>", "text/html; charset=utf-8"));
    files.put("about.html", text("<h1>about</h1>", "text/html; charset=utf-8"));
    files.put("blog/hello.html", text("<h1>hello post</h1>", "text/html; charset=utf-8"));
    files.put("docs/index.html", text("<h1>docs</h1>", "text/html; charset=utf-8"));
    files.put("data/users.json", text("[\"ada\"]", "application/json"));
    files.put("assets/app.js", text("console.log('app')", "text/javascript; charset=utf-8"));
    files.put("404.html", text("<h1>custom not found</h1>", "text/html; charset=utf-8"));
    String vercelJson = """
        {
          "cleanUrls": true,
          "trailingSlash": false,
          "redirects": [
            {"source": "/old/:slug", "destination": "/blog/:slug", "permanent": true},
            {"source": "/temp", "destination": "https://example.com/x", "permanent": false}
          ],
          "headers": [
            {"source": "/(.*)", "headers": [{"key": "X-Frame-Options", "value": "DENY"}]},
            {"source": "/assets/(.*)", "headers": [{"key": "Cache-Control", "value": "public, max-age=60"}]}
          ],
          "rewrites": [
            {"source": "/app/(.*)", "destination": "/index.html"},
            {"source": "/api/:name", "destination": "/data/:name.json"},
            {"source": "/ext/:path*", "destination": "http://127.0.0.1:%d/:path*"}
          ]
        }
        """.formatted(upstream.getAddress().getPort());
    BuildOutputConfig compiled = VercelJsonCompiler.compile(vercelJson.getBytes(UTF_8)).config();
    blobs.putManifest("dep-routed", new Manifest("dep-routed", files).withConfig(JSON.readTree(compiled.toJson())));

    String configJson = """
        {"version": 3, "routes": [
          {"src": "/gone", "status": 410},
          {"src": "/teapot", "status": 418, "headers": {"x-tea": "earl grey"}},
          {"src": "/moved", "status": 301, "headers": {"Location": "/index.html"}},
          {"handle": "filesystem"},
          {"src": "/page/(?<id>[0-9]+)", "dest": "/index.html?id=$id", "headers": {"x-id": "$id"}},
          {"handle": "error"},
          {"src": "/.*", "dest": "/oops.html", "status": 404}
        ]}""";
    Map<String, FileEntry> outputFiles = new HashMap<>();
    outputFiles.put("index.html", text("<h1>output home</h1>", "text/html; charset=utf-8"));
    outputFiles.put("oops.html", text("<h1>oops</h1>", "text/html; charset=utf-8"));
    blobs.putManifest("dep-output", new Manifest("dep-output", outputFiles)
        .withConfig(JSON.readTree(BuildOutputConfig.parse(configJson.getBytes(UTF_8)).toJson())));

    Map<String, String> routes = Map.of(SITE, "dep-routed", OUTPUT, "dep-output", PRIVATE, "dep-routed");
    system = ActorSystem.create(Behaviors.empty(), "edge-routes-test", ConfigFactory
        .parseString("pekko.actor.provider = local\npekko.loglevel = WARNING")
        .withFallback(ConfigFactory.load()));
    binding = new EdgeServer(system, host -> Optional.ofNullable(routes.get(host)), blobs,
        EdgeServer.Options.defaults().withProxyToPrivateAddresses(true))
        .start("127.0.0.1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
    port = binding.localAddress().getPort();
    strictBinding = new EdgeServer(system, host -> Optional.ofNullable(routes.get(host)), blobs)
        .start("127.0.0.1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
    strictPort = strictBinding.localAddress().getPort();
  }

  @AfterAll
  static void stop() throws Exception {
    if (binding != null) {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
      strictBinding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (upstream != null) {
      upstream.stop(0);
    }
  }

  private static FileEntry text(String content, String type) throws IOException {
    return blobs.putContent(content.getBytes(UTF_8), type);
  }

  private static RawHttp.Response get(String target, String... headers) throws IOException {
    return RawHttp.send(port, "GET", target, SITE, headers);
  }

  @Test
  void cleanUrlsServeTheHtmlFileWithoutExtension() throws Exception {
    RawHttp.Response response = get("/about");
    assertEquals(200, response.status());
    assertEquals("<h1>about</h1>", response.bodyText());
    assertEquals(Optional.of("DENY"), response.header("x-frame-options"));
    assertTrue(response.header("content-type").orElseThrow().startsWith("text/html"));
    assertTrue(response.header("etag").isPresent());
  }

  @Test
  void cleanUrlsRedirectTheHtmlName() throws Exception {
    RawHttp.Response response = get("/about.html");
    assertEquals(308, response.status());
    assertEquals(Optional.of("/about"), response.header("location"));
  }

  @Test
  void trailingSlashFalseRedirectsToThePathWithoutIt() throws Exception {
    RawHttp.Response response = get("/about/");
    assertEquals(308, response.status());
    assertEquals(Optional.of("/about"), response.header("location"));
  }

  @Test
  void aDirectoryIsServedWithoutTrailingSlash() throws Exception {
    RawHttp.Response response = get("/docs");
    assertEquals(200, response.status());
    assertEquals("<h1>docs</h1>", response.bodyText());
  }

  @Test
  void redirectsSubstituteParametersAndKeepTheQuery() throws Exception {
    RawHttp.Response response = get("/old/hello?ref=x");
    assertEquals(308, response.status());
    assertEquals(Optional.of("/blog/hello?ref=x"), response.header("location"));
    RawHttp.Response followed = get("/blog/hello");
    assertEquals(200, followed.status());
    assertEquals("<h1>hello post</h1>", followed.bodyText());
  }

  @Test
  void aTemporaryRedirectToAnotherOrigin() throws Exception {
    RawHttp.Response response = get("/temp");
    assertEquals(307, response.status());
    assertEquals(Optional.of("https://example.com/x"), response.header("location"));
  }

  @Test
  void aSinglePageAppRewriteServesTheIndexForDeepPaths() throws Exception {
    RawHttp.Response response = get("/app/some/deep/route");
    assertEquals(200, response.status());
    assertEquals("<h1>home</h1>", response.bodyText());
    assertEquals(Optional.of("DENY"), response.header("x-frame-options"));
  }

  @Test
  void aRewriteWithParametersServesAnotherFile() throws Exception {
    RawHttp.Response response = get("/api/users");
    assertEquals(200, response.status());
    assertEquals("[\"ada\"]", response.bodyText());
    assertEquals(Optional.of("application/json"), response.header("content-type"));
  }

  @Test
  void anUnknownPathGetsTheCustomNotFoundPageWithTheRouteHeaders() throws Exception {
    RawHttp.Response response = get("/nothing/here");
    assertEquals(404, response.status());
    assertEquals("<h1>custom not found</h1>", response.bodyText());
    assertEquals(Optional.of("DENY"), response.header("x-frame-options"));
  }

  @Test
  void headerRulesReplaceTheDefaultCacheControlAndConditionalRequestsStillWork() throws Exception {
    RawHttp.Response response = get("/assets/app.js");
    assertEquals(200, response.status());
    assertEquals(Optional.of("public, max-age=60"), response.header("cache-control"));
    assertEquals(1, response.headerValues("cache-control").size());
    String etag = response.header("etag").orElseThrow();

    RawHttp.Response notModified = get("/assets/app.js", "If-None-Match: " + etag);
    assertEquals(304, notModified.status());
    assertEquals(0, notModified.body().length);
    assertEquals(Optional.of("public, max-age=60"), notModified.header("cache-control"));
    assertEquals(Optional.of("DENY"), notModified.header("x-frame-options"));
  }

  @Test
  void rangesAndPrecompressedEncodingsStillWorkOnRoutedFiles() throws Exception {
    RawHttp.Response range = get("/assets/app.js", "Range: bytes=0-6");
    assertEquals(206, range.status());
    assertEquals("console", range.bodyText());
    assertEquals(Optional.of("bytes 0-6/18"), range.header("content-range"));
  }

  @Test
  void headRequestsAnswerWithoutBody() throws Exception {
    RawHttp.Response response = RawHttp.send(port, "HEAD", "/about", SITE);
    assertEquals(200, response.status());
    assertEquals(0, response.body().length);
    assertEquals(Optional.of("DENY"), response.header("x-frame-options"));
  }

  @Test
  void aRewriteToAnotherOriginIsProxied() throws Exception {
    RawHttp.Response response = get("/ext/a/b?x=1", "Connection: close, X-Secret", "X-Secret: hidden");
    assertEquals(200, response.status());
    assertEquals("upstream /a/b q=x=1 fwd=" + SITE, response.bodyText());
    assertEquals(Optional.of("yes"), response.header("x-upstream"));
    assertEquals(Optional.empty(), response.header("proxy-authenticate"));
    assertEquals(Optional.of("DENY"), response.header("x-frame-options"));

    RawHttp.Response missing = get("/ext/missing");
    assertEquals(404, missing.status());
    assertEquals("upstream /missing q=null fwd=" + SITE, missing.bodyText());
  }

  @Test
  void proxyingToAPrivateAddressIsRefusedByDefault() throws Exception {
    RawHttp.Response response = RawHttp.send(strictPort, "GET", "/ext/a", PRIVATE);
    assertEquals(502, response.status());
    assertTrue(response.bodyText().contains("not a public address"), response.bodyText());
    assertFalse(EdgeProxy.isPublic("127.0.0.1"));
    assertFalse(EdgeProxy.isPublic("10.1.2.3"));
    assertFalse(EdgeProxy.isPublic("169.254.169.254"));
    assertFalse(EdgeProxy.isPublic("[::1]"));
    assertFalse(EdgeProxy.isPublic("100.64.0.1"));
    assertTrue(EdgeProxy.isPublic("93.184.215.14"));
  }

  @Test
  void buildOutputStatusRoutes() throws Exception {
    RawHttp.Response gone = RawHttp.send(port, "GET", "/gone", OUTPUT);
    assertEquals(410, gone.status());
    RawHttp.Response teapot = RawHttp.send(port, "GET", "/teapot", OUTPUT);
    assertEquals(418, teapot.status());
    assertEquals(Optional.of("earl grey"), teapot.header("x-tea"));
    RawHttp.Response moved = RawHttp.send(port, "GET", "/moved?a=b", OUTPUT);
    assertEquals(301, moved.status());
    assertEquals(Optional.of("/index.html?a=b"), moved.header("location"));
  }

  @Test
  void buildOutputNamedGroupsAndErrorRoutes() throws Exception {
    RawHttp.Response page = RawHttp.send(port, "GET", "/page/42", OUTPUT);
    assertEquals(200, page.status());
    assertEquals("<h1>output home</h1>", page.bodyText());
    assertEquals(Optional.of("42"), page.header("x-id"));
    RawHttp.Response error = RawHttp.send(port, "GET", "/page/abc", OUTPUT);
    assertEquals(404, error.status());
    assertEquals("<h1>oops</h1>", error.bodyText());
  }

  @Test
  void pathsTheEdgeRefusesAreRefusedBeforeRouting() throws Exception {
    assertEquals(400, get("/app/../about").status());
    assertEquals(400, get("/app/%2e%2e/about").status());
    assertEquals(405, RawHttp.send(port, "POST", "/about", SITE).status());
  }
}
