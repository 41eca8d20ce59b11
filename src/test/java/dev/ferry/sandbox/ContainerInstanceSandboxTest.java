package dev.ferry.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Node.js function instance in a container through Ferry's real launcher, against the engine of
 * {@link ContainerSandboxTest} (Podman's service in CI).
 */
class ContainerInstanceSandboxTest {

  private static final long MEMORY = 256L << 20;
  private static final String HANDLER = """
      import fs from 'node:fs';
      function attempt(file) {
        try { fs.writeFileSync(file, 'x'); return 'written'; } catch (e) { return e.code; }
      }
      export default function handler(req, res) {
        let memory = null;
        for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
          try { memory = fs.readFileSync(file, 'utf8').trim(); break; } catch (e) { }
        }
        res.json({
          greeting: process.env.GREETING,
          ownDir: attempt(process.cwd() + '/written'),
          parent: attempt(process.argv[2] + '/../escaped'),
          root: attempt('/escaped'),
          tmp: attempt('/tmp/scratch'),
          memory,
        });
      }
      """;

  private static ContainerInstanceSandbox sandbox;
  private Path parent;
  private Path functionDir;
  private Path launchers;
  private InstanceSandbox.Instance instance;

  @BeforeAll
  static void engine() {
    Path socket = Path.of(ContainerSandboxTest.DOCKER_HOST.replaceFirst("^unix://", ""));
    assumeTrue(!ContainerSandboxTest.DOCKER_HOST.startsWith("unix://") || Files.exists(socket),
        "No container engine at " + ContainerSandboxTest.DOCKER_HOST
            + ": run .ci/podman-service (CI does) or set FERRY_TEST_DOCKER_HOST");
    ContainerSandbox probe = new ContainerSandbox(
        new ContainerSandbox.Options(ContainerSandboxTest.DOCKER_HOST, ContainerSandboxTest.IMAGE, 1, 0, 0));
    assumeTrue(probe.imagePresent(), "The image " + ContainerSandboxTest.IMAGE
        + " is missing: run .ci/podman-service (CI does)");
    sandbox = new ContainerInstanceSandbox(new ContainerInstanceSandbox.Options(ContainerSandboxTest.DOCKER_HOST,
        ContainerSandboxTest.IMAGE, 1, 128));
  }

  /** Under target/ rather than /tmp, so a write to the host's /tmp would not land next to the function. */
  @BeforeEach
  void functionDirectory() throws Exception {
    parent = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "container-instance")
        .toAbsolutePath();
    functionDir = Files.createDirectories(parent.resolve("function"));
    Files.writeString(functionDir.resolve("index.mjs"), HANDLER);
    launchers = Files.createDirectories(parent.resolve("launchers"));
    try (InputStream in = getClass().getResourceAsStream("/functions/node-launcher.mjs")) {
      Files.copy(in, launchers.resolve("node-launcher.mjs"));
    }
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (instance != null) {
      instance.kill();
    }
    try (var paths = Files.walk(parent)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  @Test
  void aNodeFunctionServesFromItsContainerConfinedAndIsRemovedOnStop() throws Exception {
    CompletableFuture<Integer> port = new CompletableFuture<>();
    List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
    Sandbox.LogSink output = (stream, text) -> {
      lines.add(stream + ": " + text);
      if (stream.equals("stdout") && text.startsWith("FERRY_FUNCTION_READY ")) {
        port.complete(Integer.parseInt(text.substring("FERRY_FUNCTION_READY ".length()).trim()));
      }
    };
    instance = sandbox.start(new InstanceSandbox.InstanceSpec(
        List.of("node", "--max-old-space-size=128", launchers.resolve("node-launcher.mjs").toString(),
            functionDir.toString(), "index.mjs", "1"),
        functionDir, List.of(launchers), Map.of("PATH", ContainerSandbox.CONTAINER_PATH, "GREETING", "hello"),
        0, MEMORY), output);
    assertTrue(instance.isAlive());
    assertEquals(1, sandbox.containers().size(), "one function container runs");

    int listening;
    try {
      listening = port.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("The launcher announced no port; its output: " + lines, e);
    }
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listening + "/api/hello"))
            .timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    String body = response.body();
    assertTrue(body.contains("\"greeting\":\"hello\""), body);
    assertTrue(body.contains("\"ownDir\":\"EROFS\""), "its own directory is read-only: " + body);
    // Refused, or, when the checkout lies under /tmp, written into the container's private /tmp: never the host's
    // (asserted below).
    assertTrue(body.matches(".*\"parent\":\"(E[A-Z]+|written)\".*"), "nothing beside it can be written: " + body);
    assertTrue(body.matches(".*\"root\":\"E[A-Z]+\".*"), "the root is read-only: " + body);
    assertTrue(body.contains("\"tmp\":\"written\""), "its private /tmp is writable: " + body);
    assertTrue(body.contains("\"memory\":\"" + MEMORY + "\""), "the memory limit is the function's: " + body);
    assertFalse(Files.exists(functionDir.resolve("written")));
    assertFalse(Files.exists(parent.resolve("escaped")));

    instance.kill();
    assertEquals(137, instance.onExit().get(10, TimeUnit.SECONDS));
    assertFalse(instance.isAlive());
    assertEquals(List.of(), sandbox.containers(), "the container is removed on stop");
  }

  @AfterAll
  static void closeClient() throws Exception {
    if (sandbox != null) {
      sandbox.close();
    }
  }
}
