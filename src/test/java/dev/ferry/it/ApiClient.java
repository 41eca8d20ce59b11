package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.function.Predicate;

/** Speaks the HTTP API and the edge (with a Host header) to a node under test. */
public final class ApiClient {

  static {
    // The JDK client refuses to set Host unless told; the edge is addressed by Host.
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
  }

  public static final ObjectMapper JSON = new ObjectMapper();

  public record Response(int status, String body, HttpResponse<String> raw) {
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("Not JSON (" + status + "): " + body, e);
      }
    }

    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String api;
  private final String edge;
  private String bearer;

  public ApiClient(String api, String edge) {
    this.api = api;
    this.edge = edge;
  }

  /** Later API requests carry this token ({@code Authorization: Bearer}); null sends none. */
  public ApiClient withToken(String token) {
    this.bearer = token;
    return this;
  }

  /** Signs a new user up and authenticates as them; answers the sign-up response's JSON. */
  public JsonNode signUp(String email) throws Exception {
    Response response = post("/api/v1/auth/signup",
        "{\"email\": \"" + email + "\", \"password\": \"" + PASSWORD + "\"}");
    if (response.status() != 201) {
      throw new AssertionError("Sign-up failed: " + response.status() + " " + response.body());
    }
    withToken(response.json().get("accessToken").asText());
    return response.json();
  }

  public static final String PASSWORD = "correct horse battery staple";

  public String api() {
    return api;
  }

  public Response get(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(api + path)).GET());
  }

  public Response post(String path, String json) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(api + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  public Response patch(String path, String json) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(api + path))
        .header("Content-Type", "application/json").method("PATCH", HttpRequest.BodyPublishers.ofString(json)));
  }

  public Response delete(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(api + path)).DELETE());
  }

  /** Every text frame of a WebSocket until the server closes it, one per line. */
  public String webSocketText(String path) throws Exception {
    StringBuilder text = new StringBuilder();
    webSocket(path, frame -> text.append(frame).append('\n'), Duration.ofSeconds(30));
    return text.toString();
  }

  /** Hands each text frame of a WebSocket to {@code frames} as it arrives, until the server closes it. */
  public void webSocket(String path, java.util.function.Consumer<String> frames, Duration timeout) throws Exception {
    java.util.concurrent.CompletableFuture<Void> closed = new java.util.concurrent.CompletableFuture<>();
    java.net.http.WebSocket.Builder builder = client.newWebSocketBuilder();
    if (bearer != null) {
      builder.header("Authorization", "Bearer " + bearer);
    }
    StringBuilder frame = new StringBuilder();
    builder.buildAsync(URI.create(api.replace("http://", "ws://") + path),
        new java.net.http.WebSocket.Listener() {
          @Override
          public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket socket, CharSequence data,
              boolean last) {
            frame.append(data);
            if (last) {
              frames.accept(frame.toString());
              frame.setLength(0);
            }
            socket.request(1);
            return null;
          }

          @Override
          public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket socket, int status,
              String reason) {
            closed.complete(null);
            return null;
          }

          @Override
          public void onError(java.net.http.WebSocket socket, Throwable error) {
            closed.completeExceptionally(error);
          }
        }).get(10, java.util.concurrent.TimeUnit.SECONDS);
    closed.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** A request to the edge for {@code host}; extra headers as name/value pairs. */
  public Response edge(String method, String host, String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(edge + path)).header("Host", host)
        .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return send(request);
  }

  /** Stores {@code content} through {@code POST /api/v1/files} (201, or 200 when stored already); its SHA-256. */
  public String upload(String content) throws Exception {
    byte[] bytes = content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String digest = java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    Response response = send(HttpRequest.newBuilder(URI.create(api + "/api/v1/files"))
        .header("X-Ferry-Digest", digest).header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    if (response.status() != 201 && response.status() != 200) {
      throw new AssertionError("Upload failed: " + response.status() + " " + response.body());
    }
    return digest;
  }

  /** Any request to the API, with the current token unless one is already set. */
  public Response send(HttpRequest.Builder request) throws Exception {
    HttpRequest built = request.timeout(Duration.ofSeconds(30)).build();
    if (bearer != null && built.uri().toString().startsWith(api) && built.headers().firstValue("Authorization").isEmpty()) {
      request.header("Authorization", "Bearer " + bearer);
    }
    HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Response(response.statusCode(), response.body(), response);
  }

  /** Requests a deployment of {@code project} and waits until it has finished, in {@code state}. */
  public JsonNode deployAndAwait(String project, String body, String state, Duration timeout) throws Exception {
    Response accepted = post("/api/v1/projects/" + project + "/deployments", body);
    assertEquals(202, accepted.status(), accepted.body());
    String id = accepted.json().get("id").asText();
    JsonNode finished = await(timeout, () -> get("/api/v1/deployments/" + id).json(),
        deployment -> Set.of("READY", "ERROR", "CANCELED").contains(deployment.get("state").asText()));
    assertEquals(state, finished.get("state").asText(), finished.toString());
    return finished;
  }

  /** An RFC 9457 problem with {@code status} whose detail contains {@code detailPart}. */
  public static void assertProblem(Response response, int status, String detailPart) {
    assertEquals(status, response.status(), response.body());
    assertTrue(response.header("Content-Type").startsWith("application/problem+json"),
        response.header("Content-Type"));
    JsonNode problem = response.json();
    assertEquals(status, problem.get("status").asInt());
    assertNotNull(problem.get("title"));
    assertTrue(problem.get("detail").asText().contains(detailPart), problem.toString());
  }

  /** Polls until the condition holds; fails with the last value seen. */
  public static <T> T await(Duration timeout, ThrowingSupplier<T> probe, Predicate<T> done) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    T last = probe.get();
    while (!done.test(last)) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("Condition not met within " + timeout + "; last value: " + last);
      }
      Thread.sleep(50);
      last = probe.get();
    }
    return last;
  }

  @FunctionalInterface
  public interface ThrowingSupplier<T> {
    T get() throws Exception;
  }
}
