package dev.ferry.edge;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.ferry.output.BuildOutputConfig;
import dev.ferry.output.CompiledVercelJson;
import dev.ferry.output.InvalidConfigException;
import dev.ferry.output.RoutesEngine;
import dev.ferry.output.VercelJsonCompiler;
import dev.ferry.storage.Manifest;
import dev.ferry.storage.Manifest.FileEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import dev.ferry.common.Listener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random requests (hosts, targets, headers) against deployments with random vercel.json configurations, over raw
 * sockets: the edge never answers 5xx (508, a routing loop the configuration asked for, aside), never sends a byte
 * of a file outside the requested deployment, never echoes an injected header, and always answers in time.
 * Seeded, so a failure replays; the seed is in every failure message.
 */
class EdgeFuzzTest {

  private static final long SEED = Long.getLong("ferry.fuzz.seed", 20261128L);
  private static final int CONFIGS = 80;
  private static final int REQUESTS = 3000;
  private static final int THREADS = 4;
  private static final int SOCKET_TIMEOUT_MS = 5_000;
  private static final String CANARY = "CANARY-" + Long.toHexString(SEED * 31 + 7);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;

  private static ActorSystem<Void> system;
  private static Listener binding;
  private static int port;
  private static final Map<String, String> routes = new HashMap<>();
  private static final List<String> hosts = new ArrayList<>();
  private static int rejectedConfigs;

  @BeforeAll
  static void start() throws Exception {
    TempDirBlobStore blobs = new TempDirBlobStore(dir.resolve("store"));
    // Canaries: a file next to the store, and a blob and manifest of a deployment no host routes to.
    Files.writeString(dir.resolve("canary.txt"), CANARY + " file");
    Files.writeString(dir.resolve("store").resolve("canary.txt"), CANARY + " store file");
    FileEntry secret = blobs.putContent((CANARY + " blob").getBytes(UTF_8), "text/plain");
    blobs.putManifest("dep-secret", new Manifest("dep-secret", Map.of("canary.txt", secret, "index.html", secret)));

    Map<String, FileEntry> files = new HashMap<>();
    files.put("index.html", put(blobs, "<h1>home</h1>", "text/html; charset=utf-8"));
    files.put("about.html", put(blobs, "<h1>about</h1>", "text/html; charset=utf-8"));
    files.put("blog/hello.html", put(blobs, "<h1>hello</h1>", "text/html; charset=utf-8"));
    files.put("docs/index.html", put(blobs, "<h1>docs</h1>", "text/html; charset=utf-8"));
    files.put("data.json", put(blobs, "{\"a\":1}", "application/json"));
    files.put("404.html", put(blobs, "<h1>nf</h1>", "text/html; charset=utf-8"));
    byte[] js = "console.log('app app app app app app app app app app app app app');".getBytes(UTF_8);
    FileEntry plain = blobs.putContent(js, "text/javascript; charset=utf-8");
    FileEntry gz = blobs.putContent(gzip(js), "application/gzip");
    files.put("assets/app.js", new FileEntry(plain.sha256(), plain.size(), plain.contentType(),
        new Manifest.Variant(gz.sha256(), gz.size()), null));

    blobs.putManifest("dep-plain", new Manifest("dep-plain", files));
    routes.put("plain.ferry.test", "dep-plain");
    hosts.add("plain.ferry.test");

    Random random = new Random(SEED);
    for (int i = 0; i < CONFIGS; i++) {
      String vercelJson = new ConfigGrammar(random).config();
      CompiledVercelJson compiled;
      try {
        compiled = VercelJsonCompiler.compile(vercelJson.getBytes(UTF_8));
      } catch (InvalidConfigException e) {
        rejectedConfigs++;
        continue;
      } catch (RuntimeException e) {
        throw new AssertionError("seed " + SEED + ": vercel.json failed with " + e + " instead of "
            + "InvalidConfigException:\n" + vercelJson, e);
      }
      byte[] stored = compiled.config().toJson();
      try {
        RoutesEngine.compile(BuildOutputConfig.parse(stored));
      } catch (RuntimeException e) {
        throw new AssertionError("seed " + SEED + ": compiled config does not compile again:\n" + vercelJson, e);
      }
      String id = "dep-fz" + i;
      blobs.putManifest(id, new Manifest(id, files).withConfig(JSON.readTree(stored)));
      routes.put("fz" + i + ".ferry.test", id);
      hosts.add("fz" + i + ".ferry.test");
    }

    system = ActorSystem.create(Behaviors.empty(), "edge-fuzz-test", ConfigFactory
        .parseString("pekko.actor.provider = local\npekko.loglevel = ERROR")
        .withFallback(ConfigFactory.load()));
    binding = new EdgeServer(system, host -> Optional.ofNullable(routes.get(host)), blobs)
        .start("127.0.0.1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
    port = binding.localAddress().getPort();
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

  @Test
  void randomRequestsAgainstRandomConfigurations() throws Exception {
    assertTrue(hosts.size() > CONFIGS / 4, "seed " + SEED + ": too few valid configs: " + hosts.size());
    assertTrue(rejectedConfigs > 0, "seed " + SEED + ": the grammar should also produce invalid configs");
    Random random = new Random(SEED + 1);
    List<byte[]> requests = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      requests.add(new RequestGrammar(random).request());
    }
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    long started = System.nanoTime();
    // Bounded in time as well as in count: on a loaded machine fewer requests are sent, never a hung build.
    long deadline = started + TimeUnit.SECONDS.toNanos(Long.getLong("ferry.fuzz.seconds", 30));
    java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int offset = t;
        done.add(pool.submit(() -> {
          for (int i = offset; i < requests.size() && failures.size() < 20; i += THREADS) {
            if (System.nanoTime() > deadline) {
              break;
            }
            String problem = check(requests.get(i));
            sent.incrementAndGet();
            if (problem != null) {
              failures.add("request " + i + ": " + problem + "\n  " + shown(requests.get(i)));
            }
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf("EdgeFuzzTest: seed %d, %d of %d configs rejected, %d requests in %d ms%n", SEED,
        rejectedConfigs, CONFIGS, sent.get(), (System.nanoTime() - started) / 1_000_000);
    if (!failures.isEmpty()) {
      fail("seed " + SEED + ", " + failures.size() + " failures:\n" + String.join("\n", failures));
    }
    assertTrue(sent.get() >= REQUESTS / 10, "seed " + SEED + ": only " + sent.get() + " requests were sent");
  }

  /** Null when the answer is acceptable, else what is wrong with it. */
  private static String check(byte[] request) {
    byte[] raw;
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(SOCKET_TIMEOUT_MS);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request);
        out.flush();
      } catch (IOException e) {
        // The server may answer and close before an oversized request is fully written.
      }
      raw = readAll(socket.getInputStream());
    } catch (SocketTimeoutException e) {
      return "no answer within " + SOCKET_TIMEOUT_MS + " ms";
    } catch (IOException e) {
      return request.length > 8192 ? null : "connection failed: " + e;
    }
    if (raw.length == 0) {
      return request.length > 8192 ? null : "connection closed without an answer";
    }
    RawHttp.Response response;
    try {
      response = RawHttp.parse(raw);
    } catch (RuntimeException e) {
      return "unparseable answer: " + new String(raw, 0, Math.min(raw.length, 200), UTF_8);
    }
    if (response.status() >= 500 && response.status() != RoutesEngine.LOOP_DETECTED) {
      return "answered " + response.status() + ": " + response.bodyText();
    }
    if (new String(raw, UTF_8).contains(CANARY)) {
      return "leaked a file outside the deployment";
    }
    if (response.header("injected").isPresent()) {
      return "a header value injected a header";
    }
    return null;
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      int n;
      while ((n = in.read(buffer)) > 0) {
        bytes.write(buffer, 0, n);
      }
    } catch (java.net.SocketException e) {
      // reset after the answer (the server closed a connection with unread request bytes)
      if (bytes.size() == 0) {
        throw e;
      }
    }
    return bytes.toByteArray();
  }

  private static String shown(byte[] request) {
    String text = new String(request, 0, Math.min(request.length, 300), UTF_8);
    return text.replace("\r\n", "\\r\\n") + (request.length > 300 ? "... (" + request.length + " bytes)" : "");
  }

  private static FileEntry put(TempDirBlobStore blobs, String content, String type) throws IOException {
    return blobs.putContent(content.getBytes(UTF_8), type);
  }

  private static byte[] gzip(byte[] content) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(content);
    }
    return bytes.toByteArray();
  }

  private static <T> T pick(Random random, List<T> values) {
    return values.get(random.nextInt(values.size()));
  }

  /** vercel.json documents from a small grammar: mostly valid, some not. */
  private static final class ConfigGrammar {
    private static final List<String> SOURCES = List.of("/", "/a", "/:slug", "/blog/:slug", "/(.*)", "/:path*",
        "/x/:id(\\\\d+)", "/((?!api).*)", "/:a/:b", "/about", "/old/(.*)", "/docs/:rest+", "(", "/[", "/:",
        "/(?<n>[a-z]+)", "/assets/(.*)", "/:x(.*)", "no-slash", "/\\\\u0000", "/..", "/%2e%2e/:x");
    private static final List<String> DESTINATIONS = List.of("/", "/index.html", "/:slug", "/blog/:slug.html",
        "/about.html", "/$1", "/../../canary.txt", "/%2e%2e/%2e%2e/canary.txt", "/..%2f..%2fcanary.txt",
        "/:path*", "/:a/../../:b", "/data.json?x=:slug", "/docs/", "/nope", "$0", "", "/\\\\..\\\\canary.txt",
        "/:n.html", "/assets/app.js");
    private static final List<String> REDIRECT_DESTINATIONS = List.of("/", "/about", "https://example.com/:slug",
        "//evil.example/", "/:path*", "http://x/$1", "/a?b=:slug#f");
    private static final List<String> HEADER_KEYS = List.of("X-A", "Cache-Control", "Content-Type", "Location",
        "Set-Cookie", "bad key", "Content-Length", "Transfer-Encoding", "Connection", "X-Frame-Options", "");
    private static final List<String> HEADER_VALUES = List.of("1", "no-store", "text/plain", "/x", "$1", ":slug",
        "a\\r\\nInjected: 1", "a\\nInjected: 1", "public, max-age=60", "bytes", "x".repeat(300), "\\u00e9t\\u00e9");
    private static final List<String> CONDITIONS = List.of(
        "{\"type\":\"header\",\"key\":\"x-a\",\"value\":\"1\"}",
        "{\"type\":\"query\",\"key\":\"q\"}",
        "{\"type\":\"host\",\"value\":\"fz1.ferry.test\"}",
        "{\"type\":\"cookie\",\"key\":\"c\",\"value\":\"(?<v>.*)\"}",
        "{\"type\":\"header\",\"key\":\"accept-encoding\",\"value\":{\"inc\":[\"gzip\"]}}",
        "{\"type\":\"nope\"}",
        "{\"type\":\"query\",\"key\":\"q\",\"value\":\"(\"}");

    private final Random random;

    ConfigGrammar(Random random) {
      this.random = random;
    }

    String config() {
      List<String> parts = new ArrayList<>();
      if (random.nextInt(3) == 0) {
        parts.add("\"cleanUrls\":" + bool());
      }
      if (random.nextInt(3) == 0) {
        parts.add("\"trailingSlash\":" + bool());
      }
      if (random.nextBoolean()) {
        parts.add("\"redirects\":" + list(this::redirect));
      }
      if (random.nextBoolean()) {
        parts.add("\"rewrites\":" + list(this::rewrite));
      }
      if (random.nextBoolean()) {
        parts.add("\"headers\":" + list(this::headers));
      }
      if (random.nextInt(20) == 0) {
        parts.add("\"routes\":[{\"src\":\"/(.*)\",\"dest\":\"/index.html\"}]");
      }
      if (random.nextInt(25) == 0) {
        return "{\"cleanUrls\": \"yes\"" + (parts.isEmpty() ? "" : "," + String.join(",", parts)) + "}";
      }
      if (random.nextInt(40) == 0) {
        return "{" + String.join(",", parts);
      }
      return "{" + String.join(",", parts) + "}";
    }

    private String bool() {
      return random.nextInt(10) == 0 ? "\"true\"" : Boolean.toString(random.nextBoolean());
    }

    private String list(java.util.function.Supplier<String> item) {
      int n = random.nextInt(4);
      List<String> items = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        items.add(item.get());
      }
      return "[" + String.join(",", items) + "]";
    }

    private String str(String value) {
      return "\"" + value.replace("\"", "\\\"") + "\"";
    }

    private String conditions() {
      if (random.nextInt(4) != 0) {
        return "";
      }
      return ",\"" + (random.nextBoolean() ? "has" : "missing") + "\":[" + pick(random, CONDITIONS) + "]";
    }

    private String redirect() {
      String status = switch (random.nextInt(6)) {
        case 0 -> ",\"permanent\":" + bool();
        case 1 -> ",\"statusCode\":" + pick(random, List.of(301, 302, 303, 307, 308, 200, 404, 399));
        default -> "";
      };
      return "{\"source\":" + str(pick(random, SOURCES)) + ",\"destination\":" + str(pick(random, REDIRECT_DESTINATIONS))
          + status + conditions() + "}";
    }

    private String rewrite() {
      return "{\"source\":" + str(pick(random, SOURCES)) + ",\"destination\":" + str(pick(random, DESTINATIONS))
          + conditions() + "}";
    }

    private String headers() {
      List<String> headers = new ArrayList<>();
      int n = 1 + random.nextInt(3);
      for (int i = 0; i < n; i++) {
        headers.add("{\"key\":" + str(pick(random, HEADER_KEYS)) + ",\"value\":" + str(pick(random, HEADER_VALUES))
            + "}");
      }
      return "{\"source\":" + str(pick(random, SOURCES)) + ",\"headers\":[" + String.join(",", headers) + "]"
          + conditions() + "}";
    }
  }

  /** Raw HTTP/1.1 requests, many of them malformed. */
  private static final class RequestGrammar {
    private static final List<String> SEGMENTS = List.of("", "a", "about", "about.html", "blog", "hello", "..",
        "%2e%2e", "%2E%2e", ".", "%00", "\u0000", "a\\b", "%5c", "%2f", "index.html", "404.html", "assets",
        "app.js", "%ff", "%", "\u00fc", "%C3%BC", "canary.txt", "..%2f..%2f", "docs", "data.json", "old", "x", "42",
        "api", "%252e%252e", ";", "~", "a b");
    private static final List<String> ACCEPT_ENCODINGS = List.of("gzip", "br", "br;q=0, gzip;q=0", "*",
        "identity;q=0", "junk;;;", "", "gzip;q=abc", "GZIP, BR");
    private static final List<String> RANGES = List.of("bytes=0-0", "bytes=-1", "bytes=5-2",
        "bytes=0-99999999999999999999", "items=1-2", "bytes=0-1,2-3", "bytes=", "bytes=-0", "bytes=1000000-");
    private static final List<String> ETAGS = List.of("*", "\"junk\"", "W/\"x\"", "\"", "\"a\", \"b\"", ",,,",
        "\u00e9");
    private static final List<String> METHODS = List.of("GET", "GET", "GET", "GET", "HEAD", "POST", "OPTIONS",
        "DELETE", "BREW", "");

    private final Random random;

    RequestGrammar(Random random) {
      this.random = random;
    }

    byte[] request() {
      String host = host();
      String target = target();
      StringBuilder text = new StringBuilder();
      text.append(pick(random, METHODS)).append(' ').append(target).append(" HTTP/1.1\r\n");
      if (host != null) {
        text.append("Host: ").append(host).append("\r\n");
      }
      if (random.nextInt(3) == 0) {
        text.append("Accept-Encoding: ").append(pick(random, ACCEPT_ENCODINGS)).append("\r\n");
      }
      if (random.nextInt(4) == 0) {
        text.append("Range: ").append(pick(random, RANGES)).append("\r\n");
      }
      if (random.nextInt(4) == 0) {
        text.append("If-None-Match: ").append(pick(random, ETAGS)).append("\r\n");
      }
      if (random.nextInt(6) == 0) {
        text.append("If-Modified-Since: ").append(random.nextBoolean() ? "garbage" : "Thu, 01 Jan 1970 00:00:00 GMT")
            .append("\r\n");
      }
      if (random.nextInt(5) == 0) {
        text.append("X-A: 1\r\nCookie: c=").append(pick(random, SEGMENTS)).append("\r\n");
      }
      text.append("Connection: close\r\n\r\n");
      return text.toString().getBytes(UTF_8);
    }

    private String host() {
      return switch (random.nextInt(12)) {
        case 0 -> "unknown.ferry.test";
        case 1 -> "h".repeat(1 + random.nextInt(12_000));
        case 2 -> "\u00fcn\u00efc\u00f6d\u00e9.ferry.test";
        case 3 -> pick(random, hosts) + ":" + pick(random, List.of("8080", "0", "99999", "abc", ""));
        case 4 -> "";
        case 5 -> null;
        case 6 -> pick(random, hosts).toUpperCase() + ".";
        case 7 -> "[::1]:80";
        default -> pick(random, hosts);
      };
    }

    private String target() {
      int kind = random.nextInt(20);
      if (kind == 0) {
        return "*";
      }
      if (kind == 1) {
        return "http://" + pick(random, hosts) + path();
      }
      if (kind == 2) {
        return "/" + "s".repeat(10_000) + "/x";
      }
      if (kind == 3) {
        return "about";
      }
      String path = path();
      if (random.nextInt(4) == 0) {
        path += "?" + pick(random, List.of("q=1", "x=%00", "q", "a=1&a=2", "%zz=1", "q=" + pick(random, SEGMENTS)));
      }
      if (random.nextInt(15) == 0) {
        path += "#frag";
      }
      return path;
    }

    private String path() {
      int n = 1 + random.nextInt(4);
      StringBuilder path = new StringBuilder();
      for (int i = 0; i < n; i++) {
        path.append(random.nextInt(8) == 0 ? "//" : "/").append(pick(random, SEGMENTS));
      }
      return path.toString();
    }
  }
}
