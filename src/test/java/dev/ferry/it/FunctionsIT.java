package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Functions of every form deployed through a real node (uploaded sources, no Git) and called through its edge:
 * Node.js default and Web handlers, TypeScript with a dynamic segment, Python handler class and WSGI with vendored
 * wheels, a Build Output {@code .func} directory; query, JSON body, cookies, statuses, headers, redirects,
 * streaming, env vars per target, a throwing function, a hanging one (504), one out of memory (recycled), requests
 * beyond capacity (queued, then 503), bodies over the limit (413), runtime logs with secrets masked, metrics.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FunctionsIT {

  private static final String SECRET = "s3cr3t-token-value-42";

  @TempDir
  static Path temp;

  private FerryProcess node;
  private ApiClient api;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private String preview;
  private String production;
  private String previewId;

  @BeforeAll
  void deployFunctions() throws Exception {
    assumeTrue(onPath("esbuild"), "esbuild is not installed (npm install -g esbuild; .ci/run installs it): the "
        + "TypeScript function cannot be compiled");
    assumeTrue(onPath("node") && onPath("python3"), "node and python3 are needed to run functions");
    node = new FerryProcess(Files.createDirectories(temp.resolve("data")), Map.of(
        "FERRY_FUNCTIONS_MAX_INSTANCES", "2",
        "FERRY_FUNCTIONS_MAX_QUEUED", "2",
        "FERRY_FUNCTIONS_IDLE_TIMEOUT", "6s")).start();
    api = new ApiClient(node.api(), node.edge());
    api.signUp("functions@example.com");
    assertEquals(201, api.post("/api/v1/projects", "{\"name\": \"fns\"}").status());
    assertEquals(201, api.post("/api/v1/projects/fns/env", "{\"key\": \"GREETING\", \"value\": \"hello production\","
        + " \"targets\": [\"production\"], \"type\": \"plain\"}").status());
    assertEquals(201, api.post("/api/v1/projects/fns/env", "{\"key\": \"GREETING\", \"value\": \"hello preview\","
        + " \"targets\": [\"preview\"], \"type\": \"plain\"}").status());
    assertEquals(201, api.post("/api/v1/projects/fns/env", "{\"key\": \"API_TOKEN\", \"value\": \"" + SECRET + "\","
        + " \"targets\": [\"production\", \"preview\"], \"type\": \"secret\"}").status());
    UploadedFiles site = FunctionSources.site();
    JsonNode deployed = site.deploy(api, "fns", "preview", "READY");
    preview = URI.create(deployed.get("url").asText()).getHost();
    previewId = deployed.get("id").asText();
    production = URI.create(site.deploy(api, "fns", "production", "READY").get("url").asText()).getHost();
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void nodeDefaultHandlerGetsQueryJsonBodyAndCookies() throws Exception {
    HttpResponse<String> response = call("POST", preview, "/api/hello?name=ferry&tag=a&tag=b", "{\"n\": 42}",
        "Content-Type", "application/json", "Cookie", "session=abc123; theme=dark");
    JsonNode json = json(response);
    assertEquals("ferry", json.at("/query/name").asText());
    assertEquals("b", json.at("/query/tag/1").asText());
    assertEquals(42, json.at("/body/n").asInt());
    assertEquals("abc123", json.at("/cookies/session").asText());
    assertEquals("POST", json.at("/method").asText());
    assertEquals("node", response.headers().firstValue("x-function").orElse(null));
    assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
  }

  @Test
  void statusesRedirectsAndStaticFilesBesideFunctions() throws Exception {
    HttpResponse<String> teapot = call("GET", preview, "/api/hello?status=418", null);
    assertEquals(418, teapot.statusCode(), teapot.body() + runtimeLogs(previewId) + node.log().lines()
        .filter(line -> line.contains("unction") || line.contains("xception") || line.startsWith("\t")).toList());
    assertEquals("short and stout", teapot.body());
    HttpResponse<String> redirect = call("GET", preview, "/api/hello?redirect=1", null);
    assertEquals(307, redirect.statusCode());
    assertEquals("/elsewhere", redirect.headers().firstValue("location").orElse(null));
    HttpResponse<String> permanent = call("GET", preview, "/api/hello?redirect=308", null);
    assertEquals(308, permanent.statusCode());
    assertTrue(call("GET", preview, "/", null).body().contains("static beside functions"));
    assertEquals(404, call("GET", preview, "/api/hello.js", null).statusCode(), "sources are not served");
    assertEquals(405, call("POST", preview, "/index.html", "x").statusCode(), "static files answer GET and HEAD");
  }

  @Test
  void typeScriptFunctionWithDynamicSegment() throws Exception {
    JsonNode json = json(call("GET", preview, "/api/users/42?x=1", null));
    assertEquals("42", json.get("id").asText());
    assertEquals("user-42", json.get("label").asText(), "compiled from TypeScript with an imported helper");
  }

  @Test
  void webHandlerStreamsAndEchoes() throws Exception {
    HttpResponse<java.io.InputStream> streamed = http.send(edge("GET", preview, "/api/stream", null),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, streamed.statusCode());
    assertTrue(streamed.headers().firstValue("content-length").isEmpty(), "streamed, not buffered");
    long started = System.nanoTime();
    byte[] first = new byte[7];
    int read = streamed.body().read(first);
    long firstChunkMillis = (System.nanoTime() - started) / 1_000_000;
    String rest = new String(streamed.body().readAllBytes(), StandardCharsets.UTF_8);
    long allMillis = (System.nanoTime() - started) / 1_000_000;
    assertEquals("chunk 0", new String(first, 0, read, StandardCharsets.UTF_8));
    assertTrue(rest.endsWith("chunk 4\n"), rest);
    assertTrue(allMillis - firstChunkMillis >= 300, "chunks arrive as they are written (" + firstChunkMillis
        + " ms, then " + allMillis + " ms)");
    HttpResponse<String> echoed = call("PUT", preview, "/api/stream", "{\"x\": [1, 2]}", "Content-Type",
        "application/json");
    assertEquals(201, echoed.statusCode());
    assertEquals("[1,2]", ApiClient.JSON.readTree(echoed.body()).get("x").toString());
    assertEquals("web", echoed.headers().firstValue("x-function").orElse(null));
  }

  @Test
  void pythonHandlerClassAndWsgiApp() throws Exception {
    JsonNode json = json(call("GET", preview, "/api/py/hello?who=py", null));
    assertEquals("hello preview", json.get("greeting").asText());
    assertEquals("/api/py/hello?who=py", json.get("path").asText());
    HttpResponse<String> wsgi = call("POST", preview, "/api/py/wsgi?a=1", "form body", "Content-Type",
        "text/plain");
    assertEquals(200, wsgi.statusCode(), wsgi.body());
    assertEquals("wsgi POST /api/py/wsgi a=1 form body", wsgi.body());
    assertEquals("yes", wsgi.headers().firstValue("x-wsgi").orElse(null));
  }

  @Test
  void environmentVariablesFollowTheTarget() throws Exception {
    assertEquals("hello preview", ApiClient.JSON.readTree(call("GET", preview, "/api/hello", null).body())
        .get("greeting").asText());
    assertEquals("hello production", ApiClient.JSON.readTree(call("GET", production, "/api/hello", null).body())
        .get("greeting").asText());
    assertEquals("hello production", ApiClient.JSON.readTree(call("GET", production, "/api/py/hello", null).body())
        .get("greeting").asText());
  }

  @Test
  void aThrowingFunctionAnswers500AndKeepsServing() throws Exception {
    HttpResponse<String> failed = call("GET", preview, "/api/throws?fail=1", null);
    assertEquals(500, failed.statusCode());
    assertFalse(failed.body().contains("kaboom"), "the stack is logged, not sent");
    assertEquals(200, call("GET", preview, "/api/throws", null).statusCode(), "the pool still serves");
    String logs = ApiClient.await(Duration.ofSeconds(10), () -> runtimeLogs(previewId),
        text -> text.contains("Error: kaboom") && text.contains("at handler")
            && text.contains("GET /api/throws → 500"));
    assertTrue(logs.contains("GET /api/throws → 500"), logs);
  }

  @Test
  void aHangingFunctionAnswers504AfterMaxDuration() throws Exception {
    long started = System.nanoTime();
    HttpResponse<String> response = call("GET", preview, "/api/hang", null);
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertEquals(504, response.statusCode(), response.body());
    assertTrue(millis >= 1900 && millis < 10_000, "maxDuration of 2 s from vercel.json: " + millis + " ms");
    assertEquals(200, call("GET", preview, "/api/hang?quick=1", null).statusCode(), "a new instance serves next");
  }

  @Test
  void aFunctionOutOfMemoryIsRecycled() throws Exception {
    for (String exhaust : List.of("grow", "buffers")) {
      HttpResponse<String> exhausted = call("GET", preview, "/api/memory?" + exhaust + "=1", null);
      assertEquals(502, exhausted.statusCode(), exhaust + ": " + exhausted.body());
      HttpResponse<String> next = call("GET", preview, "/api/memory", null);
      assertEquals(200, next.statusCode(), next.body());
      assertEquals("fresh instance", next.body());
    }
  }

  @Test
  void requestsBeyondCapacityWaitThenGet503() throws Exception {
    // 2 instances and 2 waiting places: of 8 requests at once, 4 are served (2 after waiting), 4 refused.
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      calls.add(http.sendAsync(edge("GET", preview, "/api/slow?i=" + i, null), HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0;
    int refused = 0;
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      HttpResponse<String> response = call.get();
      if (response.statusCode() == 200) {
        ok++;
      } else {
        assertEquals(503, response.statusCode(), response.body());
        assertNotNull(response.headers().firstValue("retry-after").orElse(null));
        refused++;
      }
    }
    assertEquals(4, ok, "two served at once, two after waiting");
    assertEquals(4, refused);
  }

  @Test
  void bodiesOverTheLimitAnswer413() throws Exception {
    String large = "x".repeat(4_718_592 + 1);
    assertEquals(413, call("POST", preview, "/api/hello", large, "Content-Type", "text/plain").statusCode());
    assertEquals(413, call("GET", preview, "/api/big", null).statusCode(), "a response over the limit");
  }

  @Test
  void runtimeLogsAreMaskedAndFollowedOverWebSocket() throws Exception {
    call("GET", preview, "/api/hello?log=1", null);
    String logs = ApiClient.await(Duration.ofSeconds(10), () -> runtimeLogs(previewId),
        text -> text.contains("token is"));
    assertTrue(logs.contains("token is ***"), logs);
    assertFalse(logs.contains(SECRET), "the secret's value never reaches the log");
    assertFalse(api.get("/api/v1/deployments/" + previewId + "/logs").body().contains("token is"),
        "build logs are separate");
    ApiClient.assertProblem(api.get("/api/v1/deployments/" + previewId + "/logs?source=nope"), 400, "source");

    List<String> frames = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.net.http.WebSocket socket = http.newWebSocketBuilder()
        .header("Authorization", "Bearer " + token())
        .buildAsync(URI.create(node.api().replace("http://", "ws://") + "/api/v1/deployments/" + previewId
            + "/logs/ws?source=runtime&since=" + lastSeq(previewId)), new java.net.http.WebSocket.Listener() {
              @Override
              public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data,
                  boolean last) {
                frames.add(data.toString());
                ws.request(1);
                return null;
              }
            }).get(10, java.util.concurrent.TimeUnit.SECONDS);
    call("GET", preview, "/api/hello?marker=live-line", null);
    ApiClient.await(Duration.ofSeconds(10), () -> String.join("\n", frames), text -> text.contains("live-line"));
    socket.abort();
  }

  @Test
  void buildOutputFuncDirectory() throws Exception {
    assertEquals(201, api.post("/api/v1/projects", "{\"name\": \"prebuilt-fn\"}").status());
    JsonNode deployed = FunctionSources.buildOutput().deploy(api, "prebuilt-fn", "preview", "READY");
    String host = URI.create(deployed.get("url").asText()).getHost();
    HttpResponse<String> response = call("GET", host, "/api/raw?x=1", null);
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("raw func says hi from .vc-config", response.body());
    HttpResponse<String> rewritten = call("GET", host, "/hello", null);
    assertEquals("raw func says hi from .vc-config", rewritten.body(), "config.json routes to the function");
  }

  @Test
  void aPrebuiltBuildOutputKeepsItsFunctionsAndRoutes() throws Exception {
    assertEquals(201, api.post("/api/v1/projects", "{\"name\": \"prebuilt-out\"}").status());
    JsonNode deployed = FunctionSources.buildOutput().prebuilt().deploy(api, "prebuilt-out", "preview", "READY");
    assertTrue(deployed.at("/source/prebuilt").asBoolean(), deployed.toString());
    String host = URI.create(deployed.get("url").asText()).getHost();
    assertEquals("raw func says hi from .vc-config", call("GET", host, "/api/raw", null).body());
    assertEquals("raw func says hi from .vc-config", call("GET", host, "/hello", null).body(),
        "the prebuilt config.json routes to the function");
    assertEquals("<p>prebuilt</p>\n", call("GET", host, "/", null).body());
  }

  @Test
  void pythonRequirementsFromVendoredWheelsOrAClearBuildError() throws Exception {
    assertEquals(201, api.post("/api/v1/projects", "{\"name\": \"py-wheels\"}").status());
    JsonNode deployed = FunctionSources.pythonWithWheels(wheel()).deploy(api, "py-wheels", "preview", "READY");
    HttpResponse<String> response = call("GET", URI.create(deployed.get("url").asText()).getHost(), "/api", null);
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("vendored says 7", response.body());

    assertEquals(201, api.post("/api/v1/projects", "{\"name\": \"py-missing\"}").status());
    JsonNode failed = new UploadedFiles()
        .add("requirements.txt", "ferry-no-such-package-anywhere==9.9.9\n")
        .add("api/x.py", "def app(environ, start_response):\n    return []\n")
        .deploy(api, "py-missing", "preview", "ERROR");
    String message = failed.get("errorMessage").asText();
    assertTrue(message.contains("Installing the Python packages of requirements.txt failed")
        && message.contains("wheels/"), message);
  }

  @Test
  void metricsCountInvocationsColdStartsAndScaleToZero() throws Exception {
    call("GET", preview, "/api/hello", null);
    String metrics = api.get("/metrics").body();
    assertTrue(metrics.contains("ferry_function_invocations_total{outcome=\"ok\",runtime=\"node\"}"), metrics);
    assertTrue(metrics.contains("ferry_function_cold_starts_total{runtime=\"node\"}"), metrics);
    assertTrue(metrics.contains("ferry_function_duration_seconds_bucket"), "a duration histogram");
    // Idle instances stop after 6 s here: the node scales to zero.
    ApiClient.await(Duration.ofSeconds(30), () -> gauge(api.get("/metrics").body(), "ferry_function_instances"),
        value -> value == 0.0);
  }

  // --- helpers ----------------------------------------------------------------------------------------------

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    assertEquals(200, response.statusCode(), response.body());
    return ApiClient.JSON.readTree(response.body());
  }

  private String runtimeLogs(String deploymentId) throws Exception {
    ApiClient.Response response = api.get("/api/v1/deployments/" + deploymentId + "/logs?source=runtime");
    assertEquals(200, response.status(), response.body());
    StringBuilder text = new StringBuilder();
    for (String line : response.body().split("\n")) {
      if (!line.isBlank()) {
        text.append(ApiClient.JSON.readTree(line).get("text").asText()).append('\n');
      }
    }
    return text.toString();
  }

  private long lastSeq(String deploymentId) throws Exception {
    String[] lines = api.get("/api/v1/deployments/" + deploymentId + "/logs?source=runtime").body().split("\n");
    String last = lines[lines.length - 1];
    return last.isBlank() ? 0 : ApiClient.JSON.readTree(last).get("seq").asLong();
  }

  private String token() throws Exception {
    return ApiClient.JSON.readTree(api.post("/api/v1/auth/login",
        "{\"email\": \"functions@example.com\", \"password\": \"" + ApiClient.PASSWORD + "\"}").body())
        .get("accessToken").asText();
  }

  private static double gauge(String metrics, String name) {
    return metrics.lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
  }

  private HttpRequest edge(String method, String host, String path, String body, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.edge() + path))
        .timeout(Duration.ofSeconds(60)).header("Host", host)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return request.build();
  }

  private HttpResponse<String> call(String method, String host, String path, String body, String... headers)
      throws Exception {
    return http.send(edge(method, host, path, body, headers), HttpResponse.BodyHandlers.ofString());
  }

  /** A wheel of one module, {@code vendored.py}, made here: pip installs it without any index. */
  private static byte[] wheel() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      Map<String, String> entries = new java.util.LinkedHashMap<>();
      entries.put("vendored.py", "def answer():\n    return 7\n");
      entries.put("vendored-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: vendored\nVersion: 1.0\n");
      entries.put("vendored-1.0.dist-info/WHEEL",
          "Wheel-Version: 1.0\nGenerator: ferry-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n");
      entries.put("vendored-1.0.dist-info/RECORD",
          "vendored.py,,\nvendored-1.0.dist-info/METADATA,,\nvendored-1.0.dist-info/WHEEL,,\n"
              + "vendored-1.0.dist-info/RECORD,,\n");
      for (Map.Entry<String, String> entry : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(entry.getKey()));
        zip.write(entry.getValue().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  private static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
