package dev.ferry.edge;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.aayushatharva.brotli4j.decoder.Decoder;
import com.typesafe.config.ConfigFactory;
import dev.ferry.storage.FileSystemBlobStore;
import dev.ferry.storage.Manifest;
import dev.ferry.storage.Publisher;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import dev.ferry.common.Listener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Precompressed encodings, byte ranges, cache headers and access metrics over real HTTP, on a site published by the
 * real {@link Publisher} into a {@link FileSystemBlobStore}.
 */
class EdgeFilesTest {

  static {
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
  }

  private static final String SITE = "files.ferry.test";
  private static final String COUNTED = "counted.ferry.test";
  private static final String BROWSER = "gzip, deflate, br";

  @TempDir static Path storeDir;
  @TempDir static Path outputDir;

  private static ActorSystem<Void> system;
  private static Listener binding;
  private static EdgeMetrics metrics;
  private static HttpClient http;
  private static int port;
  private static Manifest manifest;
  private static String page;
  private static byte[] script;
  private static byte[] photo;
  private static byte[] big;

  @BeforeAll
  static void publishAndStart() throws Exception {
    page = "<!DOCTYPE html><title>Files</title>\n" + "<p>Served precompressed by the edge.</p>\n".repeat(80);
    script = "export const answer = () => 42; // hashed bundle\n".repeat(100).getBytes(UTF_8);
    photo = random(100_000, 1);
    big = random(1_500_000, 2);
    write("index.html", page.getBytes(UTF_8));
    write("assets/index-BxK9_a2Q.js", script);
    write("small.txt", "tiny".getBytes(UTF_8));
    write("photo.png", photo);
    write("big.bin", big);
    write("404.html", ("<h1>Lost</h1>\n" + "<p>Nothing here, sorry.</p>\n".repeat(60)).getBytes(UTF_8));
    FileSystemBlobStore store = new FileSystemBlobStore(storeDir);
    Publisher.publish(outputDir, "dep-files", store);
    Publisher.publish(outputDir, "dep-counted", store);
    manifest = store.manifest("dep-files").orElseThrow();

    Map<String, String> routes = Map.of(SITE, "dep-files", COUNTED, "dep-counted");
    system = ActorSystem.create(Behaviors.empty(), "edge-files-test", ConfigFactory
        .parseString("pekko.actor.provider = local\npekko.loglevel = WARNING")
        .withFallback(ConfigFactory.load()));
    metrics = new EdgeMetrics();
    EdgeServer edge = new EdgeServer(system, host -> Optional.ofNullable(routes.get(host)), store,
        EdgeServer.Options.defaults().withMetrics(metrics));
    binding = edge.start("127.0.0.1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
    port = binding.localAddress().getPort();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (binding != null) {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  // --- encodings

  @Test
  void browsersGetBrotliWithAnEncodingSpecificETag() throws Exception {
    HttpResponse<byte[]> response = get(SITE, "/", "Accept-Encoding", BROWSER);

    assertEquals(200, response.statusCode());
    assertEquals("br", header(response, "Content-Encoding"));
    assertEquals("Accept-Encoding", header(response, "Vary"));
    assertEquals(page, new String(Decoder.decompress(response.body()).getDecompressedData(), UTF_8));
    assertEquals(String.valueOf(manifest.file("index.html").br().size()), header(response, "Content-Length"));
    assertEquals("\"" + tag("index.html") + "-br\"", header(response, "ETag"));
    assertEquals("", header(response, "Accept-Ranges"), "ranges are offered on the file as is only");
    assertTrue(header(response, "Content-Type").startsWith("text/html"));
  }

  @Test
  void gzipWhenBrotliIsNotAcceptedOrRefused() throws Exception {
    for (String accept : List.of("gzip", "gzip, br;q=0", "br;q=0.1, gzip")) {
      HttpResponse<byte[]> response = get(SITE, "/", "Accept-Encoding", accept);
      assertEquals("gzip", header(response, "Content-Encoding"), accept);
      assertEquals("\"" + tag("index.html") + "-gz\"", header(response, "ETag"), accept);
      assertEquals(page, new String(gunzip(response.body()), UTF_8), accept);
    }
  }

  @Test
  void theFileAsIsWithoutAcceptEncodingStillVaries() throws Exception {
    for (String[] headers : List.of(new String[0], new String[] {"Accept-Encoding", "identity"},
        new String[] {"Accept-Encoding", "gzip;q=0, br;q=0"})) {
      HttpResponse<byte[]> response = get(SITE, "/", headers);
      assertEquals(page, new String(response.body(), UTF_8));
      assertEquals("", header(response, "Content-Encoding"));
      assertEquals("Accept-Encoding", header(response, "Vary"));
      assertEquals("bytes", header(response, "Accept-Ranges"));
      assertEquals("\"" + tag("index.html") + "\"", header(response, "ETag"));
    }
  }

  @Test
  void binaryAndTinyFilesAreNeverCompressed() throws Exception {
    HttpResponse<byte[]> png = get(SITE, "/photo.png", "Accept-Encoding", BROWSER);
    assertArrayEquals(photo, png.body());
    assertEquals("", header(png, "Content-Encoding"));
    assertEquals("", header(png, "Vary"), "an image does not vary by encoding");

    HttpResponse<byte[]> tiny = get(SITE, "/small.txt", "Accept-Encoding", BROWSER);
    assertEquals("tiny", new String(tiny.body(), UTF_8));
    assertEquals("", header(tiny, "Content-Encoding"));
    assertEquals("Accept-Encoding", header(tiny, "Vary"), "text varies even when it has no variants");
  }

  @Test
  void headOfACompressedVariantAnnouncesItsLength() throws Exception {
    RawHttp.Response head = RawHttp.send(port, "HEAD", "/", SITE, "Accept-Encoding: br");
    assertEquals(200, head.status());
    assertEquals(Optional.of("br"), head.header("Content-Encoding"));
    assertEquals(Optional.of(String.valueOf(manifest.file("index.html").br().size())), head.header("Content-Length"));
    assertEquals(0, head.body().length);
  }

  @Test
  void theNotFoundPageIsCompressedToo() throws Exception {
    HttpResponse<byte[]> response = get(SITE, "/missing", "Accept-Encoding", BROWSER);
    assertEquals(404, response.statusCode());
    assertEquals("br", header(response, "Content-Encoding"));
    assertTrue(new String(Decoder.decompress(response.body()).getDecompressedData(), UTF_8).startsWith("<h1>Lost"));
  }

  // --- conditional requests and cache headers

  @Test
  void ifNoneMatchComparesTheTagOfTheChosenEncoding() throws Exception {
    String brTag = "\"" + tag("index.html") + "-br\"";
    String plainTag = "\"" + tag("index.html") + "\"";

    HttpResponse<byte[]> revalidated = get(SITE, "/", "Accept-Encoding", BROWSER, "If-None-Match", brTag);
    assertEquals(304, revalidated.statusCode());
    assertEquals(brTag, header(revalidated, "ETag"));
    assertEquals("Accept-Encoding", header(revalidated, "Vary"));
    assertEquals(0, revalidated.body().length);

    HttpResponse<byte[]> otherEncoding = get(SITE, "/", "Accept-Encoding", BROWSER, "If-None-Match", plainTag);
    assertEquals(200, otherEncoding.statusCode(), "a cached plain copy does not validate the brotli one");
    assertEquals("br", header(otherEncoding, "Content-Encoding"));

    assertEquals(304, get(SITE, "/", "If-None-Match", plainTag).statusCode());
  }

  @Test
  void lastModifiedIsTheManifestsCreationTimeAndIfModifiedSinceRevalidates() throws Exception {
    Instant created = manifest.createdInstant().orElseThrow();
    String lastModified = httpDate(created);

    HttpResponse<byte[]> response = get(SITE, "/photo.png");
    assertEquals(lastModified, header(response, "Last-Modified"));

    assertEquals(304, get(SITE, "/photo.png", "If-Modified-Since", lastModified).statusCode());
    assertEquals(304, get(SITE, "/photo.png", "If-Modified-Since", httpDate(created.plusSeconds(60))).statusCode());
    assertEquals(200, get(SITE, "/photo.png", "If-Modified-Since", httpDate(created.minusSeconds(1))).statusCode());
    // If-None-Match wins over If-Modified-Since
    assertEquals(200, get(SITE, "/photo.png", "If-None-Match", "\"nope\"", "If-Modified-Since", lastModified)
        .statusCode());
  }

  @Test
  void hashedAssetsAreCachedForAYearAndPagesRevalidate() throws Exception {
    assertEquals("public, max-age=31536000, immutable",
        header(get(SITE, "/assets/index-BxK9_a2Q.js", "Accept-Encoding", BROWSER), "Cache-Control"));
    assertEquals("public, max-age=0, must-revalidate", header(get(SITE, "/"), "Cache-Control"));
    assertEquals("public, max-age=0, must-revalidate", header(get(SITE, "/photo.png"), "Cache-Control"));
    HttpResponse<byte[]> notModified = get(SITE, "/assets/index-BxK9_a2Q.js",
        "If-None-Match", "\"" + tag("assets/index-BxK9_a2Q.js") + "\"");
    assertEquals(304, notModified.statusCode());
    assertEquals("public, max-age=31536000, immutable", header(notModified, "Cache-Control"));
  }

  // --- ranges

  @Test
  void aByteRangeGives206WithContentRange() throws Exception {
    HttpResponse<byte[]> response = get(SITE, "/photo.png", "Range", "bytes=100-199");
    assertEquals(206, response.statusCode());
    assertEquals("bytes 100-199/" + photo.length, header(response, "Content-Range"));
    assertEquals("100", header(response, "Content-Length"));
    assertArrayEquals(Arrays.copyOfRange(photo, 100, 200), response.body());
    assertEquals("\"" + tag("photo.png") + "\"", header(response, "ETag"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=-500", "bytes=99000-", "bytes=0-", "bytes=99990-200000"})
  void suffixAndOpenRangesEndAtTheLastByte(String range) throws Exception {
    HttpResponse<byte[]> response = get(SITE, "/photo.png", "Range", range);
    assertEquals(206, response.statusCode());
    String[] span = header(response, "Content-Range").replace("bytes ", "").split("[-/]");
    int first = Integer.parseInt(span[0]);
    int last = Integer.parseInt(span[1]);
    assertEquals(photo.length - 1, last);
    assertEquals(String.valueOf(photo.length), span[2]);
    assertArrayEquals(Arrays.copyOfRange(photo, first, last + 1), response.body());
  }

  @Test
  void rangesOfAStreamedFileSendExactlyTheRange() throws Exception {
    HttpResponse<byte[]> middle = get(SITE, "/big.bin", "Range", "bytes=700000-1299999");
    assertEquals(206, middle.statusCode());
    assertArrayEquals(Arrays.copyOfRange(big, 700_000, 1_300_000), middle.body());
    HttpResponse<byte[]> tail = get(SITE, "/big.bin", "Range", "bytes=-70000");
    assertArrayEquals(Arrays.copyOfRange(big, big.length - 70_000, big.length), tail.body());
    HttpResponse<byte[]> oneByte = get(SITE, "/big.bin", "Range", "bytes=65536-65536");
    assertArrayEquals(new byte[] {big[65536]}, oneByte.body());
  }

  @Test
  void anUnsatisfiableRangeGives416WithTheSize() throws Exception {
    HttpResponse<byte[]> response = get(SITE, "/photo.png", "Range", "bytes=100000-");
    assertEquals(416, response.statusCode());
    assertEquals("bytes */" + photo.length, header(response, "Content-Range"));
  }

  @Test
  void multipleOrMalformedRangesGetTheWholeFile() throws Exception {
    for (String range : List.of("bytes=0-1,5-6", "bytes=9-1", "pages=1-2")) {
      HttpResponse<byte[]> response = get(SITE, "/photo.png", "Range", range);
      assertEquals(200, response.statusCode(), range);
      assertArrayEquals(photo, response.body(), range);
    }
  }

  @Test
  void ifRangeServesTheRangeOnlyWhileTheFileIsUnchanged() throws Exception {
    String etag = "\"" + tag("photo.png") + "\"";
    String lastModified = httpDate(manifest.createdInstant().orElseThrow());
    assertEquals(206, get(SITE, "/photo.png", "Range", "bytes=0-9", "If-Range", etag).statusCode());
    assertEquals(206, get(SITE, "/photo.png", "Range", "bytes=0-9", "If-Range", lastModified).statusCode());
    assertEquals(200, get(SITE, "/photo.png", "Range", "bytes=0-9", "If-Range", "\"other\"").statusCode());
    assertEquals(200, get(SITE, "/photo.png", "Range", "bytes=0-9", "If-Range", "W/" + etag).statusCode());
    assertEquals(200, get(SITE, "/photo.png", "Range", "bytes=0-9", "If-Range",
        httpDate(Instant.parse("2001-01-01T00:00:00Z"))).statusCode());
  }

  @Test
  void aRangeOfCompressibleTextIsServedFromTheFileAsIs() throws Exception {
    HttpResponse<byte[]> response = get(SITE, "/", "Accept-Encoding", BROWSER, "Range", "bytes=0-14");
    assertEquals(206, response.statusCode());
    assertEquals("", header(response, "Content-Encoding"));
    assertEquals("<!DOCTYPE html>", new String(response.body(), UTF_8));
  }

  // --- metrics

  @Test
  void everyResponseIsCountedForItsDeployment() throws Exception {
    get(COUNTED, "/photo.png");                                  // 200, 100000 bytes
    get(COUNTED, "/photo.png", "Range", "bytes=0-99");           // 206, 100 bytes
    get(COUNTED, "/photo.png", "If-None-Match", "*");            // 304
    get(COUNTED, "/nothing");                                    // 404 page
    get(COUNTED, "/photo.png", "Range", "bytes=999999-");        // 416
    RawHttp.send(port, "HEAD", "/photo.png", COUNTED);           // 200, no body
    get("nobody.ferry.test", "/");                               // unrouted

    EdgeMetrics.Snapshot counted = metrics.snapshot("dep-counted").orElseThrow();
    assertEquals(6, counted.requests());
    assertEquals(3, counted.status2xx(), "200, 206 and the HEAD's 200");
    assertEquals(1, counted.status3xx());
    assertEquals(2, counted.status4xx());
    assertEquals(0, counted.status5xx());
    long notFoundPage = manifest.file("404.html").size();
    assertTrue(counted.bytesSent() >= 100_000 + 100 + notFoundPage, String.valueOf(counted.bytesSent()));
    assertEquals(6, counted.latencyBuckets().stream().mapToLong(Long::longValue).sum());
    assertTrue(metrics.snapshot(EdgeMetrics.UNROUTED).orElseThrow().requests() >= 1);
  }

  // --- helpers

  private static String tag(String path) {
    return manifest.file(path).sha256().substring(0, 32);
  }

  private static HttpResponse<byte[]> get(String host, String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10))
        .header("Host", host);
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), BodyHandlers.ofByteArray());
  }

  private static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElse("");
  }

  private static String httpDate(Instant instant) {
    return DateTimeFormatter.RFC_1123_DATE_TIME.format(instant.atZone(ZoneOffset.UTC));
  }

  private static byte[] gunzip(byte[] compressed) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
      return in.readAllBytes();
    }
  }

  private static void write(String path, byte[] content) throws IOException {
    Path file = outputDir.resolve(path);
    Files.createDirectories(file.getParent());
    Files.write(file, content);
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  @Test
  void plainHttpIsNeverRedirectedWithoutAnHttpsListener() throws Exception {
    HttpResponse<byte[]> response = get(SITE, "/");
    assertEquals(200, response.statusCode());
    assertFalse(response.headers().firstValue("Location").isPresent());
  }
}
