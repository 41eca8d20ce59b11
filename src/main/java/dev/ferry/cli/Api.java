package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * The Ferry HTTP API as the CLI speaks it: JSON in and out, the bearer token on every request, problem+json answers
 * turned into a {@link CliException} with the problem's detail, and 429 answers waited out.
 */
final class Api {

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
  private static final int MAX_RETRIES = 5;

  /** One answer, whatever its status. */
  record Response(int status, String body) {
    boolean ok() {
      return status >= 200 && status < 300;
    }

    JsonNode json() {
      return body == null || body.isBlank() ? Json.object() : Json.parse(body);
    }
  }

  private final HttpClient http;
  private final String base;
  private final String token;

  Api(String base, String token) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  String base() {
    return base;
  }

  /** The same API with another token (or none). */
  Api withToken(String other) {
    return new Api(base, other);
  }

  static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  JsonNode get(String path) {
    return expect(send("GET", path, null));
  }

  JsonNode post(String path, JsonNode body) {
    return expect(send("POST", path, body));
  }

  JsonNode patch(String path, JsonNode body) {
    return expect(send("PATCH", path, body));
  }

  void delete(String path) {
    expect(send("DELETE", path, null));
  }

  /** Every item of a list, following {@code next} cursors (lists are {@code {items, next}}). */
  ArrayNode list(String path) {
    ArrayNode all = Json.MAPPER.createArrayNode();
    String separator = path.contains("?") ? "&" : "?";
    String next = null;
    do {
      JsonNode page = get(path + (next == null ? "" : separator + "cursor=" + encode(next)));
      page.path("items").forEach(all::add);
      next = page.path("next").isTextual() ? page.path("next").textValue() : null;
    } while (next != null);
    return all;
  }

  /** A request whose status the caller looks at itself. */
  Response send(String method, String path, JsonNode body) {
    HttpRequest.BodyPublisher publisher = body == null
        ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(Json.compact(body));
    HttpRequest.Builder request = request(path).method(method, publisher);
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return exchange(request);
  }

  /** {@code POST /api/v1/files}: the file's bytes with their SHA-256. */
  Response upload(Path file, String sha256) {
    try {
      return exchange(request("/api/v1/files")
          .header("Content-Type", "application/octet-stream")
          .header("X-Ferry-Digest", sha256)
          .POST(HttpRequest.BodyPublishers.ofFile(file)));
    } catch (java.io.FileNotFoundException e) {
      throw CliException.error("Cannot read " + file + ": " + e.getMessage());
    }
  }

  /**
   * The lines of a streamed answer (the build log); an error status throws. The caller closes the stream, which
   * closes the connection.
   */
  Stream<String> lines(String path) throws IOException {
    HttpRequest request = authorized(HttpRequest.newBuilder(uri(path))).GET().build();
    HttpResponse<Stream<String>> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofLines());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    if (response.statusCode() >= 300) {
      String text;
      try (Stream<String> body = response.body()) {
        text = String.join("\n", body.toList());
      }
      throw problem(new Response(response.statusCode(), text));
    }
    return response.body();
  }

  private HttpRequest.Builder request(String path) {
    return authorized(HttpRequest.newBuilder(uri(path)).timeout(REQUEST_TIMEOUT));
  }

  private HttpRequest.Builder authorized(HttpRequest.Builder request) {
    request.header("Accept", "application/json, application/problem+json, application/x-ndjson");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request;
  }

  private URI uri(String path) {
    try {
      return URI.create(base + path);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("Not a valid API address: " + base);
    }
  }

  /** Sends, waiting out 429 answers as long as their Retry-After says (a few times). */
  private Response exchange(HttpRequest.Builder builder) {
    HttpRequest request = builder.build();
    for (int attempt = 0; ; attempt++) {
      HttpResponse<String> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        String why = e instanceof java.net.ConnectException ? "connection refused"
            : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        throw CliException.error("Cannot reach the Ferry API at " + base + " (" + why + ")");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CliException.error("Interrupted");
      }
      if (response.statusCode() == 429 && attempt < MAX_RETRIES) {
        long seconds = response.headers().firstValue("Retry-After").map(Api::seconds).orElse(1L);
        sleep(Duration.ofSeconds(Math.min(60, Math.max(1, seconds))));
        continue;
      }
      return new Response(response.statusCode(), response.body());
    }
  }

  private JsonNode expect(Response response) {
    if (!response.ok()) {
      throw problem(response);
    }
    return response.json();
  }

  /** The problem's detail and field errors as one message; a 401 says how to log in. */
  static CliException problem(Response response) {
    StringBuilder message = new StringBuilder();
    JsonNode problem = null;
    try {
      problem = Json.MAPPER.readTree(response.body() == null ? "" : response.body());
    } catch (IOException notJson) {
      // not a problem document
    }
    if (problem != null && problem.path("detail").isTextual()) {
      message.append(problem.path("detail").textValue());
      for (JsonNode error : problem.path("errors")) {
        message.append("\n  ").append(error.path("field").asText()).append(": ")
            .append(error.path("message").asText());
      }
    } else {
      message.append("HTTP ").append(response.status()).append(": ").append(Json.abbreviate(response.body()));
    }
    if (response.status() == 401) {
      message.append("\nLog in with `ferry login`, or pass a token with --token or FERRY_TOKEN.");
    }
    return new ApiError(response.status(), message.toString(), problem);
  }

  /** An error answer of the API, with its status and problem document. */
  static final class ApiError extends CliException {
    private final int status;
    private final JsonNode problem;

    ApiError(int status, String message, JsonNode problem) {
      super(Cli.EXIT_ERROR, message);
      this.status = status;
      this.problem = problem;
    }

    int status() {
      return status;
    }

    JsonNode problem() {
      return problem;
    }
  }

  private static long seconds(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.error("Interrupted");
    }
  }

  static final List<String> FINISHED = List.of("READY", "ERROR", "CANCELED");
}
