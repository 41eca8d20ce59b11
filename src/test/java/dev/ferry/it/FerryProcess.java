package dev.ferry.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real Ferry node in its own JVM, started from the packaged jar on free loopback ports. */
public final class FerryProcess implements AutoCloseable {

  private final Path dataDir;
  private final Map<String, String> extraEnv;
  private final int apiPort;
  private final int edgePort;
  private final int clusterPort;
  private final Path logFile;
  private List<String> jvmOptions = List.of("-Xmx512m");
  private Process process;

  /** Sets (or replaces) one environment variable of the node; before {@link #start}. */
  public FerryProcess withEnv(String name, String value) {
    extraEnv.put(name, value);
    return this;
  }

  /** The JVM's options instead of {@code -Xmx512m} (a small heap when several nodes share the machine). */
  public FerryProcess withJvmOptions(String... options) {
    jvmOptions = List.of(options);
    return this;
  }

  /** This node's cluster address, for other nodes' {@code FERRY_SEED_NODES}. */
  public String clusterAddress() {
    return "pekko://ferry@127.0.0.1:" + clusterPort;
  }

  public int clusterPort() {
    return clusterPort;
  }

  /** Asks the node to stop (SIGTERM: its coordinated shutdown runs) and returns at once. */
  public void terminate() {
    process.destroy();
  }

  /** Whether the node's process has ended, after at most {@code timeout}. */
  public boolean awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public FerryProcess(Path dataDir, Map<String, String> extraEnv) throws IOException {
    this.dataDir = dataDir;
    this.extraEnv = new HashMap<>(extraEnv);
    this.apiPort = freePort();
    this.edgePort = freePort();
    this.clusterPort = freePort();
    this.logFile = dataDir.resolveSibling(dataDir.getFileName() + "-node.log");
  }

  private static final java.util.Random PORTS = new java.security.SecureRandom();

  /**
   * A port that is free now, below Linux's ephemeral range (32768+): a node binds it seconds later, and a port from
   * the ephemeral range may meanwhile be taken by any outgoing connection on the machine.
   */
  public static int freePort() throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = 20_000 + PORTS.nextInt(12_000);
      try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
        socket.setReuseAddress(true);
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("No free port found between 20000 and 32000");
  }

  public static Path jar() {
    Path jar = Path.of(System.getProperty("ferry.jar", "target/ferry.jar"));
    if (!Files.exists(jar)) {
      throw new IllegalStateException("Package first: " + jar + " is missing (run mvn verify)");
    }
    return jar;
  }

  public FerryProcess start() throws Exception {
    // Generous: on a machine shared by several builds a node has taken more than 90 s to start.
    return start(Duration.ofSeconds(Long.getLong("ferry.it.ready-seconds", 180)));
  }

  /** Starts the node and waits up to {@code timeout} for it to be ready. */
  public FerryProcess start(Duration timeout) throws Exception {
    ProcessBuilder builder = jarCommand("server");
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    process = builder.start();
    awaitReady(timeout);
    return this;
  }

  /** What a one-off command printed (stdout and stderr together) and how it ended. */
  public record CommandResult(int exitCode, String output) {}

  /** Runs {@code java -jar ferry.jar <args>} with this node's data directory and environment, and waits for it. */
  public CommandResult runCommand(String... args) throws Exception {
    ProcessBuilder builder = jarCommand(args);
    builder.redirectErrorStream(true);
    Process command = builder.start();
    String output = new String(command.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!command.waitFor(60, TimeUnit.SECONDS)) {
      command.destroyForcibly();
      throw new IllegalStateException("ferry.jar " + String.join(" ", args) + " did not end:\n" + output);
    }
    return new CommandResult(command.exitValue(), output);
  }

  private ProcessBuilder jarCommand(String... args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar().toAbsolutePath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.put("FERRY_DATA_DIR", dataDir.toString());
    env.put("FERRY_API_PORT", Integer.toString(apiPort));
    env.put("FERRY_EDGE_PORT", Integer.toString(edgePort));
    env.put("FERRY_CLUSTER_PORT", Integer.toString(clusterPort));
    env.put("FERRY_API_INTERFACE", "127.0.0.1");
    env.put("FERRY_EDGE_INTERFACE", "127.0.0.1");
    // A fresh port per start: the default 8443 would clash between nodes (and with anything else on the machine).
    try {
      env.put("FERRY_EDGE_TLS_PORT", Integer.toString(freePort()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    env.putAll(extraEnv);
    return builder;
  }

  public Path dataDir() {
    return dataDir;
  }

  private void awaitReady(Duration timeout) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Ferry exited with " + process.exitValue() + ":\n" + log());
      }
      try {
        HttpResponse<String> response = client.send(
            HttpRequest.newBuilder(URI.create(health() + "/health/ready")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("Ferry did not become ready in " + timeout + ":\n" + log());
  }

  /** Where readiness is asked: the API, or the edge of a node whose {@code FERRY_ROLES} leave the API out. */
  private String health() {
    List<String> roles = List.of(extraEnv.getOrDefault("FERRY_ROLES", "").trim().toLowerCase().split("\\s*,\\s*"));
    boolean withoutApi = !extraEnv.getOrDefault("FERRY_ROLES", "").isBlank() && !roles.contains("api");
    return withoutApi && roles.contains("edge") ? edge() : api();
  }

  /** Stops the node the hard way: no shutdown hooks, nothing flushed on the way out. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  public String api() {
    return "http://127.0.0.1:" + apiPort;
  }

  public String edge() {
    return "http://127.0.0.1:" + edgePort;
  }

  public int edgePort() {
    return edgePort;
  }

  public String log() throws IOException {
    return Files.exists(logFile) ? Files.readString(logFile) : "";
  }

  /** The same node's settings again (same data directory and ports), for a restart. */
  public FerryProcess restarted() throws IOException {
    FerryProcess next = new FerryProcess(dataDir, new HashMap<>(extraEnv), apiPort, edgePort, clusterPort);
    next.jvmOptions = jvmOptions;
    return next;
  }

  private FerryProcess(Path dataDir, Map<String, String> extraEnv, int apiPort, int edgePort, int clusterPort) {
    this.dataDir = dataDir;
    this.extraEnv = extraEnv;
    this.apiPort = apiPort;
    this.edgePort = edgePort;
    this.clusterPort = clusterPort;
    this.logFile = dataDir.resolveSibling(dataDir.getFileName() + "-node.log");
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
