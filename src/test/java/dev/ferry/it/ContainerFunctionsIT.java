package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.sandbox.ContainerInstanceSandbox;
import dev.ferry.sandbox.ContainerSandbox;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose function instances run as containers ({@code FERRY_FUNCTIONS_SANDBOX=container}, the Podman service
 * {@code .ci/podman-service} starts) serves a Node.js function through its edge: the first request (a cold start,
 * through a spare container), the next ones (warm), with the deployment's variables.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerFunctionsIT {

  private static final String DOCKER_HOST = Optional.ofNullable(System.getenv("FERRY_TEST_DOCKER_HOST"))
      .orElse("unix:///run/ferry-podman/podman.sock");
  private static final String IMAGE = Optional.ofNullable(System.getenv("FERRY_TEST_IMAGE"))
      .orElse("localhost/ferry-build-test:2");

  @TempDir
  static Path temp;

  private FerryProcess node;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private String host;

  @BeforeAll
  void deploy() throws Exception {
    assumeTrue(!DOCKER_HOST.startsWith("unix://") || Files.exists(Path.of(DOCKER_HOST.substring(7))),
        "No container engine at " + DOCKER_HOST + ": run .ci/podman-service (CI does) or set FERRY_TEST_DOCKER_HOST");
    try (ContainerSandbox probe = new ContainerSandbox(new ContainerSandbox.Options(DOCKER_HOST, IMAGE, 1, 0, 0))) {
      assumeTrue(probe.imagePresent(), "The image " + IMAGE + " is missing: .ci/podman-service builds it");
    }
    node = new FerryProcess(Files.createDirectories(temp.resolve("data")), Map.of(
        "FERRY_FUNCTIONS_SANDBOX", "container",
        "FERRY_FUNCTIONS_DOCKER_HOST", DOCKER_HOST,
        "FERRY_FUNCTIONS_IMAGE", IMAGE)).start();
    ApiClient api = new ApiClient(node.api(), node.edge());
    api.signUp("containers@example.com");
    assertEquals(201, api.post("/api/v1/projects", "{\"name\": \"boxed\"}").status());
    assertEquals(201, api.post("/api/v1/projects/boxed/env", "{\"key\": \"GREETING\", \"value\": \"hello box\","
        + " \"targets\": [\"production\"], \"type\": \"plain\"}").status());
    UploadedFiles site = new UploadedFiles()
        .add("index.html", "<p>boxed</p>\n")
        .add("api/where.js", """
            module.exports = function handler(req, res) {
              res.json({ greeting: process.env.GREETING, pid: process.pid, query: req.query });
            };
            """);
    JsonNode deployed = site.deploy(api, "boxed", "production", "READY");
    host = URI.create(deployed.get("url").asText()).getHost();
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aNodeFunctionAnswersFromAContainer() throws Exception {
    long started = System.nanoTime();
    HttpResponse<String> cold = get("/api/where?n=1");
    long coldMillis = (System.nanoTime() - started) / 1_000_000;
    assertEquals(200, cold.statusCode(), cold.body());
    JsonNode first = ApiClient.JSON.readTree(cold.body());
    assertEquals("hello box", first.get("greeting").asText());
    assertEquals("1", first.get("query").get("n").asText());
    // The launcher is its container's first process (under bubblewrap it never is), and the engine has it.
    assertEquals(1, first.get("pid").asInt(), "the instance runs in a container: " + cold.body());
    try (ContainerInstanceSandbox engine = new ContainerInstanceSandbox(
        new ContainerInstanceSandbox.Options(DOCKER_HOST, IMAGE, 1, 256))) {
      assertTrue(!engine.containers().isEmpty(), "the engine runs the function's container");
    }
    HttpResponse<String> warm = get("/api/where?n=2");
    assertEquals(200, warm.statusCode(), warm.body());
    assertEquals(first.get("pid").asInt(), ApiClient.JSON.readTree(warm.body()).get("pid").asInt(),
        "the warm instance serves again");
    System.out.println("container function: first request " + coldMillis + " ms");
    assertTrue(coldMillis < 60_000, "a correctness bound only: " + coldMillis + " ms");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(node.edge() + path)).header("Host", host)
        .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
