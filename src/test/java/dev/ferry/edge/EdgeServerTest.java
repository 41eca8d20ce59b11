package dev.ferry.edge;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.ferry.storage.Manifest;
import dev.ferry.storage.Manifest.FileEntry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import dev.ferry.common.Listener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The edge over real HTTP: a bound server, a blob store on disk, and java.net.http / raw sockets. */
class EdgeServerTest {

  static {
    // HttpClient refuses to set Host unless allowed before its first use (also set in the surefire config).
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
  }

  private static final String SITE = "site.ferry.test";
  private static final String BARE = "bare.ferry.test";
  private static final String BROKEN = "broken.ferry.test";
  private static final String CACHED = "cached.ferry.test";

  @TempDir static Path storeDir;

  private static ActorSystem<Void> system;
  private static Listener binding;
  private static TempDirBlobStore blobs;
  private static HttpClient http;
  private static int port;
  private static FileEntry indexEntry;
  private static byte[] bigFile;

  @BeforeAll
  static void startEdge() throws Exception {
    blobs = new TempDirBlobStore(storeDir);
    deploySite();
    deploy("dep-bare", Map.of("index.html", html("bare home")));
    deploy("dep-cached", Map.of("index.html", html("cached home")));
    blobs.putManifest("dep-broken", new Manifest("dep-broken",
        Map.of("index.html", new FileEntry("0".repeat(64), 10, "text/html"))));

    Map<String, String> routes = Map.of(
        SITE, "dep-site", BARE, "dep-bare", BROKEN, "dep-broken", CACHED, "dep-cached");
    system = ActorSystem.create(Behaviors.empty(), "edge-test", ConfigFactory
        .parseString("pekko.actor.provider = local\npekko.loglevel = WARNING")
        .withFallback(ConfigFactory.load()));
    binding = new EdgeServer(system, host -> Optional.ofNullable(routes.get(host)), blobs)
        .start("127.0.0.1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
    port = binding.localAddress().getPort();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  static void stopEdge() throws Exception {
    if (binding != null) {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static void deploySite() throws IOException {
    bigFile = new byte[1024 * 1024];
    new Random(42).nextBytes(bigFile);
    indexEntry = blobs.putContent("<h1>home</h1>".getBytes(UTF_8), "text/html; charset=utf-8");
    Map<String, FileEntry> files = new HashMap<>();
    files.put("index.html", indexEntry);
    files.put("docs/index.html", html("docs index"));
    files.put("notes", blobs.putContent("plain notes".getBytes(UTF_8), "text/plain; charset=utf-8"));
    files.put("notes/index.html", html("notes index"));
    files.put("style.css", blobs.putContent("body{}".getBytes(UTF_8), "text/css; charset=utf-8"));
    files.put("assets/app.js", blobs.putContent("alert(1)".getBytes(UTF_8), "text/javascript; charset=utf-8"));
    files.put("logo.png", blobs.putContent(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, "image/png"));
    files.put("untyped.dat", blobs.putContent("untyped".getBytes(UTF_8), null));
    files.put("garbled.dat", blobs.putContent("garbled".getBytes(UTF_8), "not a content type"));
    files.put("hello world.txt", blobs.putContent("spaced".getBytes(UTF_8), "text/plain"));
    files.put("404.html", html("custom not found"));
    files.put("big.bin", blobs.putContent(bigFile, "application/octet-stream"));
    blobs.putManifest("dep-site", new Manifest("dep-site", files));
  }

  private static void deploy(String deploymentId, Map<String, FileEntry> files) throws IOException {
    blobs.putManifest(deploymentId, new Manifest(deploymentId, files));
  }

  private static FileEntry html(String text) throws IOException {
    return blobs.putContent(("<h1>" + text + "</h1>").getBytes(UTF_8), "text/html; charset=utf-8");
  }

  private static HttpResponse<byte[]> get(String host, String path, String... headers) throws Exception {
    return send("GET", host, path, headers);
  }

  private static HttpResponse<byte[]> send(String method, String host, String path, String... headers)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody())
        .header("Host", host);
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), BodyHandlers.ofByteArray());
  }

  private static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), UTF_8);
  }

  private static String contentType(HttpResponse<byte[]> response) {
    return response.headers().firstValue("Content-Type").orElse("");
  }

  private static String etagOf(FileEntry entry) {
    return "\"" + entry.sha256().substring(0, 32) + "\"";
  }

  @Test
  void rootServesIndexHtml() throws Exception {
    HttpResponse<byte[]> response = get(SITE, "/");
    assertEquals(200, response.statusCode());
    assertEquals("<h1>home</h1>", text(response));
    assertTrue(contentType(response).toLowerCase().startsWith("text/html; charset=utf-8"), contentType(response));
  }

  @Test
  void directoryPathWithSlashServesItsIndex() throws Exception {
    HttpResponse<byte[]> response = get(SITE, "/docs/");
    assertEquals(200, response.statusCode());
    assertEquals("<h1>docs index</h1>", text(response));
  }

  @Test
  void pathWithoutSlashFallsBackToDirectoryIndex() throws Exception {
    HttpResponse<byte[]> response = get(SITE, "/docs");
    assertEquals(200, response.statusCode());
    assertEquals("<h1>docs index</h1>", text(response));
  }

  @Test
  void exactFileWinsOverDirectoryIndex() throws Exception {
    assertEquals("plain notes", text(get(SITE, "/notes")));
    assertEquals("<h1>notes index</h1>", text(get(SITE, "/notes/")));
  }

  @Test
  void percentEncodedPathIsDecodedOnce() throws Exception {
    assertEquals("spaced", text(get(SITE, "/hello%20world.txt")));
    // "%2520" decodes once to the literal "%20", which names no file
    assertEquals(404, get(SITE, "/hello%2520world.txt").statusCode());
  }

  @Test
  void contentTypeComesFromTheManifest() throws Exception {
    assertEquals("text/css; charset=UTF-8", contentType(get(SITE, "/style.css")));
    assertEquals("text/javascript; charset=UTF-8", contentType(get(SITE, "/assets/app.js")));
    assertEquals("image/png", contentType(get(SITE, "/logo.png")));
  }

  @Test
  void missingOrUnparseableContentTypeFallsBackToOctetStream() throws Exception {
    assertEquals("application/octet-stream", contentType(get(SITE, "/untyped.dat")));
    assertEquals("application/octet-stream", contentType(get(SITE, "/garbled.dat")));
  }

  @Test
  void fileResponsesCarryETagCacheControlAndEdgeHeaders() throws Exception {
    HttpResponse<byte[]> response = get(SITE, "/");
    assertEquals(Optional.of(etagOf(indexEntry)), response.headers().firstValue("ETag"));
    assertEquals(Optional.of("public, max-age=0, must-revalidate"), response.headers().firstValue("Cache-Control"));
    assertEquals(List.of("nosniff"), response.headers().allValues("X-Content-Type-Options"));
    assertEquals(List.of("ferry"), response.headers().allValues("Server"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"%s", "W/%s", "\"other\", %s", "*"})
  void matchingIfNoneMatchGives304WithoutBody(String headerTemplate) throws Exception {
    String etag = etagOf(indexEntry);
    HttpResponse<byte[]> response = get(SITE, "/", "If-None-Match", headerTemplate.formatted(etag));
    assertEquals(304, response.statusCode());
    assertEquals(Optional.of(etag), response.headers().firstValue("ETag"));
    assertEquals(0, response.body().length);
    assertEquals(List.of("ferry"), response.headers().allValues("Server"));
  }

  @Test
  void nonMatchingIfNoneMatchGivesTheFile() throws Exception {
    HttpResponse<byte[]> response = get(SITE, "/", "If-None-Match", "\"0123456789abcdef0123456789abcdef\"");
    assertEquals(200, response.statusCode());
    assertEquals("<h1>home</h1>", text(response));
  }

  @Test
  void headSendsTheGetHeadersWithoutBody() throws Exception {
    HttpResponse<byte[]> getResponse = get(SITE, "/");
    RawHttp.Response head = RawHttp.send(port, "HEAD", "/", SITE);
    assertEquals(200, head.status());
    assertEquals(Optional.of(String.valueOf(getResponse.body().length)), head.header("Content-Length"));
    assertEquals(getResponse.headers().firstValue("ETag"), head.header("ETag"));
    assertEquals(getResponse.headers().firstValue("Content-Type"), head.header("Content-Type"));
    assertEquals(0, head.body().length, "HEAD response must have no body");
  }

  @Test
  void headOfALargeFileAnnouncesItsLengthWithoutSendingIt() throws Exception {
    RawHttp.Response head = RawHttp.send(port, "HEAD", "/big.bin", SITE);
    assertEquals(200, head.status());
    assertEquals(Optional.of(String.valueOf(bigFile.length)), head.header("Content-Length"));
    assertEquals(0, head.body().length);
  }

  @Test
  void largeFileStreamsIntact() throws Exception {
    HttpResponse<byte[]> response = get(SITE, "/big.bin");
    assertEquals(200, response.statusCode());
    assertEquals(Optional.of(String.valueOf(bigFile.length)), response.headers().firstValue("Content-Length"));
    assertEquals(TempDirBlobStore.sha256(bigFile), TempDirBlobStore.sha256(response.body()));
    assertArrayEquals(bigFile, response.body());
  }

  @Test
  void deploymentsOwn404PageIsServedWith404() throws Exception {
    HttpResponse<byte[]> response = get(SITE, "/no/such/page");
    assertEquals(404, response.statusCode());
    assertEquals("<h1>custom not found</h1>", text(response));
    assertTrue(contentType(response).startsWith("text/html"), contentType(response));
  }

  @Test
  void missing404PageGivesPlainNotFound() throws Exception {
    HttpResponse<byte[]> response = get(BARE, "/missing");
    assertEquals(404, response.statusCode());
    assertEquals("Not found", text(response));
    assertTrue(contentType(response).startsWith("text/plain"), contentType(response));
  }

  @Test
  void unknownHostGetsAHelpfulPageWithTheHostEscaped() throws Exception {
    RawHttp.Response response = RawHttp.send(port, "GET", "/", "Nobody&Home'S.example");
    assertEquals(404, response.status());
    assertTrue(response.header("Content-Type").orElse("").startsWith("text/html"));
    String page = response.bodyText();
    assertTrue(page.contains("No deployment at nobody&amp;home&#39;s.example"), page);
    assertFalse(page.contains("nobody&home"), page);
    assertEquals(List.of("ferry"), response.headerValues("Server"));
    assertEquals(Optional.of("nosniff"), response.header("X-Content-Type-Options"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/../etc/passwd", "/docs/../index.html", "/%2e%2e/x", "/docs/.%2E/x", "/%2E%2e",
      "/./index.html", "/a%2fb", "/a%2Fb", "/a\\b", "/a%5cb", "/a%00b", "/%ff"})
  void uncleanPathsAreRejectedEvenForUnknownHosts(String target) throws Exception {
    for (String host : List.of(SITE, "unknown.example")) {
      RawHttp.Response response = RawHttp.send(port, "GET", target, host);
      assertEquals(400, response.status(), target + " on " + host);
      assertEquals("Bad request: invalid path", response.bodyText());
      assertTrue(response.header("Content-Type").orElse("").startsWith("text/plain"));
      assertEquals(List.of("ferry"), response.headerValues("Server"));
    }
  }

  @Test
  void otherMethodsGet405WithAllow() throws Exception {
    HttpResponse<byte[]> response = send("POST", SITE, "/");
    assertEquals(405, response.statusCode());
    assertEquals(Optional.of("GET, HEAD"), response.headers().firstValue("Allow"));
    assertEquals(List.of("ferry"), response.headers().allValues("Server"));
  }

  @Test
  void hostIsMatchedWithoutPortCaseOrTrailingDot() throws Exception {
    assertEquals("<h1>home</h1>", text(get("SITE.Ferry.Test:8443", "/")));
    RawHttp.Response fqdn = RawHttp.send(port, "GET", "/", "Site.Ferry.Test.:80");
    assertEquals(200, fqdn.status());
    assertEquals("<h1>home</h1>", fqdn.bodyText());
  }

  @Test
  void queryStringDoesNotAffectTheFile() throws Exception {
    assertEquals("<h1>docs index</h1>", text(get(SITE, "/docs/?utm_source=x&y=%2e%2e")));
  }

  @Test
  void manifestIsReadOnceAndThenCached() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertEquals(200, get(CACHED, "/").statusCode());
    }
    assertEquals(1, blobs.manifestReads("dep-cached"));
  }

  @Test
  void blobMissingFromTheStoreGives500WithEdgeHeaders() throws Exception {
    HttpResponse<byte[]> response = get(BROKEN, "/");
    assertEquals(500, response.statusCode());
    assertEquals("Internal server error", text(response));
    assertEquals(List.of("ferry"), response.headers().allValues("Server"));
  }
}
