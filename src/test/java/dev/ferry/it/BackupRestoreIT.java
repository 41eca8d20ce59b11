package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backing up and restoring the embedded default as the README says: stop the node, copy its data directory, start a
 * node on the copy — every deployment serves again, logins and secrets work. The node runs with JSON logs, and its
 * /metrics shows HTTP, builds, projections' lag, the journal and the JVM.
 */
class BackupRestoreIT {

  private static final Duration SERVED = Duration.ofSeconds(30);
  private static final Pattern TEXT_LOG_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +(INFO|WARN|ERROR) .*");

  @TempDir
  Path temp;

  private final List<FerryProcess> nodes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (FerryProcess node : nodes) {
      node.close();
    }
  }

  @Test
  void aCopyOfTheDataDirectoryServesEveryDeploymentAgain() throws Exception {
    Path original = temp.resolve("data");
    FerryProcess first = start(new FerryProcess(original, Map.of("FERRY_LOG_FORMAT", "json")));
    ApiClient api = new ApiClient(first.api(), first.edge());
    api.signUp("owner@example.com");
    assertEquals(201, api.post("/api/v1/projects", "{\"name\": \"site\"}").status());
    assertEquals(201, api.post("/api/v1/projects/site/env", "{\"key\": \"GREETING\", \"value\": \"hello\", "
        + "\"targets\": [\"preview\"], \"type\": \"plain\"}").status());
    Map<String, String> served = new LinkedHashMap<>();
    for (String version : List.of("one", "two")) {
      served.put(deploy(api, "production", version), "production " + version);
    }
    served.put(deploy(api, "preview", "three"), "preview three");
    awaitServing(api, served);
    ApiClient.await(SERVED, () -> api.edge("GET", "site.localhost", "/").body(), "production two"::equals);

    // Metrics: HTTP (API and edge), builds, projections and their lag, the journal, the JVM.
    String metrics = ApiClient.await(SERVED, () -> api.get("/metrics").body(),
        text -> text.contains("ferry_deployments{state=\"READY\"} 3.0"));
    for (String series : List.of("ferry_api_requests_seconds_count{", "ferry_edge_requests_total{status=\"2xx\"}",
        "ferry_edge_sent_bytes_total", "ferry_build_queue_waiting", "ferry_deployments{state=\"READY\"}",
        "ferry_projection_offset{", "ferry_projection_lag_events{", "ferry_journal_head", "jvm_memory_used_bytes{",
        "jvm_gc_", "process_uptime_seconds", "ferry_uploaded_blobs_total", "ferry_retention_expired_deployments_total",
        "ferry_gc_deleted_blobs_total")) {
      assertTrue(metrics.contains(series), series + " in\n" + metrics);
    }
    assertTrue(value(metrics, "ferry_edge_requests_total{status=\"2xx\"}") >= 4, metrics);

    first.close();
    // Every line the node logged is a JSON object (the library's own "# stop" prints at shutdown aside).
    List<String> lines = first.log().lines().filter(line -> !line.isBlank() && !line.startsWith("# stop ")).toList();
    assertTrue(lines.stream().anyMatch(line -> line.contains("\"formattedMessage\":\"Ferry node started")),
        first.log());
    for (String line : lines) {
      assertFalse(TEXT_LOG_LINE.matcher(line).matches(), "a text log line: " + line);
      if (line.startsWith("{")) {
        JsonNode json = ApiClient.JSON.readTree(line);
        assertTrue(json.has("level") && json.has("loggerName") && json.has("formattedMessage"), line);
      }
    }

    Path copy = temp.resolve("restored");
    copyTree(original, copy);
    FerryProcess restored = start(new FerryProcess(copy, Map.of()));
    ApiClient after = new ApiClient(restored.api(), restored.edge());
    awaitServing(after, served);
    assertEquals("production two", after.edge("GET", "site.localhost", "/").body());
    JsonNode login = after.post("/api/v1/auth/login", "{\"email\": \"owner@example.com\", \"password\": \""
        + ApiClient.PASSWORD + "\"}").json();
    after.withToken(login.get("accessToken").asText());
    JsonNode variable = after.get("/api/v1/projects/site/env").json().at("/items/0");
    JsonNode value = after.get("/api/v1/projects/site/env/" + variable.get("id").asText()).json();
    assertEquals("hello", value.get("value").asText(), "the restored master key opens the sealed value");
    assertEquals(3, after.get("/api/v1/projects/site/deployments").json().get("items").size());
  }

  private FerryProcess start(FerryProcess node) throws Exception {
    nodes.add(node);
    return node.start();
  }

  /** A deployment whose index.html says "{target} {version}"; answers its host. */
  private static String deploy(ApiClient api, String target, String version) throws Exception {
    String page = target + " " + version;
    String digest = api.upload(page);
    JsonNode deployment = api.deployAndAwait("site", "{\"target\": \"" + target + "\", \"files\": [{\"path\": "
        + "\"index.html\", \"sha256\": \"" + digest + "\", \"size\": " + page.length() + "}]}", "READY",
        Duration.ofSeconds(60));
    return URI.create(deployment.get("url").asText()).getHost();
  }

  private static void awaitServing(ApiClient api, Map<String, String> served) throws Exception {
    for (Map.Entry<String, String> site : served.entrySet()) {
      ApiClient.await(SERVED, () -> api.edge("GET", site.getKey(), "/").body(), site.getValue()::equals);
    }
  }

  private static double value(String metrics, String series) {
    return metrics.lines().filter(line -> line.startsWith(series + " "))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .findFirst().orElseThrow(() -> new AssertionError("no " + series));
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(target);
        } else {
          Files.copy(path, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }
}
