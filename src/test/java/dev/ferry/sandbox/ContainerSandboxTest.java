package dev.ferry.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.sandbox.Sandbox.Result;
import dev.ferry.sandbox.Sandbox.Spec;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The container sandbox against a real engine speaking the Docker Engine API: Podman's service in CI (started with
 * its image by {@code .ci/podman-service}), or the engine {@code FERRY_TEST_DOCKER_HOST} names with the image
 * {@code FERRY_TEST_IMAGE} (sh, busybox and node).
 */
class ContainerSandboxTest {

  static final String DOCKER_HOST = env("FERRY_TEST_DOCKER_HOST", "unix:///run/ferry-podman/podman.sock");
  static final String IMAGE = env("FERRY_TEST_IMAGE", "localhost/ferry-build-test:2");
  private static final long MEMORY = 256L << 20;
  private static final Sandbox.Cancellation NEVER = () -> false;

  private static ContainerSandbox sandbox;
  private Path workDir;

  @BeforeAll
  static void engine() {
    Path socket = Path.of(DOCKER_HOST.replaceFirst("^unix://", ""));
    assumeTrue(!DOCKER_HOST.startsWith("unix://") || Files.exists(socket),
        "No container engine at " + DOCKER_HOST + ": run .ci/podman-service (CI does) or set FERRY_TEST_DOCKER_HOST");
    sandbox = new ContainerSandbox(new ContainerSandbox.Options(DOCKER_HOST, IMAGE, 1, MEMORY, 256));
    assumeTrue(sandbox.imagePresent(), "The image " + IMAGE + " is missing: run .ci/podman-service (CI does)");
  }

  @AfterAll
  static void closeClient() throws Exception {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  /** Under target/ rather than /tmp, so a write to the host's /tmp would not land in the work directory's parent. */
  @BeforeEach
  void workDirectory() throws Exception {
    Path parent = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "container-sandbox")
        .toAbsolutePath();
    workDir = Files.createDirectories(parent.resolve("work"));
  }

  @AfterEach
  void removeWorkDirectory() throws Exception {
    try (var paths = Files.walk(workDir.getParent())) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  private Spec spec(String script, Duration timeout, long maxLogBytes) {
    return new Spec(List.of("sh", "-c", script), workDir, Map.of("GREETING", "hello"), timeout, maxLogBytes);
  }

  private Result run(String script, CapturingSink sink) throws InterruptedException {
    return sandbox.run(spec(script, Duration.ofSeconds(60), 1_000_000), sink, NEVER);
  }

  @Test
  void runsTheCommandInTheWorkDirectoryAndStreamsBothOutputs() throws Exception {
    CapturingSink sink = new CapturingSink();

    Result result = run("echo $GREETING; pwd; echo oops >&2; node -e 'console.log(6*7)'; exit 3", sink);

    assertEquals(3, result.exitCode());
    assertFalse(result.succeeded());
    assertEquals(List.of("hello", workDir.toString(), "42"), sink.texts("stdout"));
    assertEquals(List.of("oops"), sink.texts("stderr"));
  }

  @Test
  void theBuildCannotWriteOutsideItsWorkDirectory() throws Exception {
    Path sibling = workDir.resolveSibling("sibling");
    Files.writeString(Files.createDirectories(sibling).resolve("secret.txt"), "host secret");
    CapturingSink sink = new CapturingSink();

    Result result = run(String.join("; ",
        "echo built > inside.txt",
        // Refused, or (when the checkout lies under /tmp) landing in the container's private /tmp: never the host's.
        "echo x > ../escaped.txt 2>/dev/null; echo parent-tried",
        "echo x > " + sibling + "/escaped.txt || echo sibling-refused",
        "cat " + sibling + "/secret.txt || echo sibling-invisible",
        "echo x > /etc/escaped.txt || echo etc-refused",
        "echo x > /escaped.txt || echo root-refused",
        "echo x > /tmp/private.txt && echo tmp-private",
        "true"), sink);

    assertEquals(0, result.exitCode(), sink.all().toString());
    assertEquals("built\n", Files.readString(workDir.resolve("inside.txt")));
    assertEquals(List.of("parent-tried", "sibling-refused", "sibling-invisible", "etc-refused", "root-refused",
        "tmp-private"), sink.texts("stdout"));
    assertFalse(Files.exists(workDir.resolveSibling("escaped.txt")));
    assertFalse(Files.exists(sibling.resolve("escaped.txt")));
    assertFalse(Files.exists(Path.of("/tmp/private.txt")));
    assertFalse(String.join("\n", sink.texts("stdout")).contains("host secret"));
  }

  @Test
  void usesTheHostsNetworkAndAppliesTheMemoryLimit() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread responder = new Thread(() -> {
        try (Socket socket = server.accept(); OutputStream out = socket.getOutputStream()) {
          out.write("HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nloopback!".getBytes(StandardCharsets.US_ASCII));
        } catch (Exception ignored) {
          // the assertion below reports it
        }
      });
      responder.start();
      CapturingSink sink = new CapturingSink();

      Result result = run("wget -q -O - http://127.0.0.1:" + server.getLocalPort() + "/; echo; "
          + "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null; true", sink);

      assertEquals(0, result.exitCode(), sink.all().toString());
      assertEquals("loopback!", sink.texts("stdout").get(0), "the host's loopback is reachable: host networking");
      assertEquals(Long.toString(MEMORY), sink.texts("stdout").get(1));
      responder.join(5_000);
    }
  }

  @Test
  void stopsAndRemovesAContainerThatRunsPastItsTimeout() throws Exception {
    CapturingSink sink = new CapturingSink();
    long start = System.nanoTime();

    Result result = sandbox.run(spec("echo started; sleep 600", Duration.ofSeconds(2), 1_000_000), sink, NEVER);

    assertTrue(result.timedOut());
    assertFalse(result.succeeded());
    assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 20);
    assertEquals(List.of("started"), sink.texts("stdout"));
    assertTrue(sink.texts("system").contains("Command timed out after 2s"), sink.all().toString());
    assertEquals(List.of(), sandbox.containers(), "no sandbox container is left behind");
  }

  @Test
  void stopsWhenCanceled() throws Exception {
    AtomicBoolean cancel = new AtomicBoolean();
    CapturingSink sink = new CapturingSink((stream, text) -> {
      if (text.equals("waiting")) {
        cancel.set(true);
      }
    });

    Result result = sandbox.run(spec("echo waiting; sleep 600", Duration.ofMinutes(5), 1_000_000), sink, cancel::get);

    assertTrue(result.canceled());
    assertTrue(sink.texts("system").contains("Command canceled"));
    assertEquals(List.of(), sandbox.containers());
  }

  @Test
  void dropsOutputBeyondTheLogLimit() throws Exception {
    CapturingSink sink = new CapturingSink();

    Result result = sandbox.run(spec("i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done",
        Duration.ofSeconds(60), 1_000), sink, NEVER);

    assertEquals(0, result.exitCode());
    assertTrue(result.logTruncated());
    assertTrue(sink.texts("stdout").size() < 200);
    assertEquals(1, sink.texts("system").size());
  }

  @Test
  void aMissingImageSaysWhatToDo() throws Exception {
    try (ContainerSandbox missing = new ContainerSandbox(
        new ContainerSandbox.Options(DOCKER_HOST, "localhost/ferry-no-such-image:0", 1, MEMORY, 64))) {
      CapturingSink sink = new CapturingSink();

      Result result = missing.run(spec("true", Duration.ofSeconds(10), 1_000), sink, NEVER);

      assertEquals(125, result.exitCode());
      assertTrue(sink.texts("system").get(0).contains("localhost/ferry-no-such-image:0 is not on the container engine"),
          sink.all().toString());
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
