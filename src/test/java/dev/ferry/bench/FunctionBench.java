package dev.ferry.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.ConfigFactory;
import dev.ferry.db.Database;
import dev.ferry.edge.EdgeServer;
import dev.ferry.functions.FunctionFiles;
import dev.ferry.functions.FunctionMetrics;
import dev.ferry.functions.FunctionPublisher;
import dev.ferry.functions.FunctionRuntime;
import dev.ferry.functions.FunctionSettings;
import dev.ferry.functions.RuntimeEnvironment;
import dev.ferry.logs.RuntimeLogStore;
import dev.ferry.sandbox.ContainerInstanceSandbox;
import dev.ferry.sandbox.InstanceSandbox;
import dev.ferry.sandbox.ProcessInstanceSandbox;
import dev.ferry.sandbox.ProcessSandbox;
import dev.ferry.secrets.LogMasker;
import dev.ferry.storage.FileSystemBlobStore;
import dev.ferry.storage.Manifest;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import dev.ferry.common.Listener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Node.js function through Ferry (edge → routes → pool → instance in the process sandbox) against the same handler
 * in a bare Node.js HTTP server, one request at a time over keep-alive connections, in one run: warm p50/p99 of
 * each and their difference, and cold starts (first request to a deployment, unpack and launch included) against a
 * bare {@code node} start. Not part of the normal test run: {@code mvn -Pbench test -Dtest=FunctionBench}.
 * Settings: {@code -Dbench.requests=2000 -Dbench.rounds=3 -Dbench.coldStarts=10
 * -Dbench.warmupSeconds=20}.
 */
class FunctionBench {

  private static final int REQUESTS = Integer.getInteger("bench.requests", 2000);
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
  private static final int COLD_STARTS = Integer.getInteger("bench.coldStarts", 10);
  private static final int WARMUP_SECONDS = Integer.getInteger("bench.warmupSeconds", 20);
  private static final String HANDLER = "export default function handler(req, res) {\n"
      + "  res.setHeader('content-type', 'text/plain');\n  res.end('hello from the function');\n}\n";

  @TempDir
  Path temp;

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static final String CONTAINER_HOST = Optional.ofNullable(System.getenv("FERRY_TEST_DOCKER_HOST"))
      .orElse("unix:///run/ferry-podman/podman.sock");
  private static final String CONTAINER_IMAGE = Optional.ofNullable(System.getenv("FERRY_TEST_IMAGE"))
      .orElse("localhost/ferry-build-test:2");

  /**
   * Starts the function in the container instance sandbox (create, start, the launcher listening) and stops it, a
   * number of times; none when no engine answers here.
   */
  private static List<Double> coldContainerStarts(Path func, Path launchers) throws Exception {
    List<Double> times = new ArrayList<>();
    if (CONTAINER_HOST.startsWith("unix://") && !Files.exists(Path.of(CONTAINER_HOST.substring("unix://".length())))) {
      return times;
    }
    try (ContainerInstanceSandbox sandbox = new ContainerInstanceSandbox(
        new ContainerInstanceSandbox.Options(CONTAINER_HOST, CONTAINER_IMAGE, 1, 256))) {
      for (int i = 0; i < COLD_STARTS; i++) {
        CompletableFuture<String> ready = new CompletableFuture<>();
        long started = System.nanoTime();
        InstanceSandbox.Instance instance = sandbox.start(new InstanceSandbox.InstanceSpec(
            List.of("node", launchers.resolve("node-launcher.mjs").toString(), func.toString(),
                "index.mjs", "1"),
            func, List.of(launchers), Map.of("PATH", "/usr/bin:/bin"), 0, 1024L << 20), (stream, text) -> {
              if (text.startsWith("FERRY_FUNCTION_READY ")) {
                ready.complete(text);
              }
            });
        try {
          ready.get(30, TimeUnit.SECONDS);
          times.add((System.nanoTime() - started) / 1e6);
        } finally {
          instance.kill();
        }
      }
    }
    return times;
  }

  @Test
  void functionThroughFerryVersusBareNode() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/node")) || onPath("node"), "node is not installed");
    Path func = Files.createDirectories(temp.resolve("out/functions/api/hello.func"));
    Files.writeString(func.resolve("index.mjs"), HANDLER);
    Files.writeString(func.resolve(".vc-config.json"),
        "{\"runtime\": \"nodejs20.x\", \"handler\": \"index.mjs\", \"launcherType\": \"Nodejs\"}");
    FileSystemBlobStore blobs = new FileSystemBlobStore(temp.resolve("blobs"));
    Map<String, Manifest.Function> functions = FunctionPublisher.publish(temp.resolve("out/functions"), blobs);
    Map<String, String> hosts = new HashMap<>();
    for (int i = 0; i <= 2 * COLD_STARTS; i++) {
      String id = "bench" + i;
      blobs.putManifest(id, new Manifest(id, Map.of()).withFunctions(functions));
      hosts.put(id + ".localhost", id);
    }

    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench", ConfigFactory.load());
    Database database = Database.open("jdbc:h2:mem:bench;DB_CLOSE_DELAY=-1", "sa", "", 2);
    Process bare = null;
    FunctionSettings settings = FunctionSettings.from(ConfigFactory.load()).withResolvedInterpreters();
    try (FunctionRuntime runtime = runtime(system, settings, blobs, database, "data");
        FunctionRuntime withoutSpares = runtime(system, settings.withSpares(0), blobs, database, "data-nospares")) {
      EdgeServer edge = new EdgeServer(system, host -> Optional.ofNullable(hosts.get(host)), blobs)
          .runFunctionsWith(runtime);
      Listener binding = edge.start("127.0.0.1", 0).toCompletableFuture().get(30, TimeUnit.SECONDS);
      String ferry = "http://127.0.0.1:" + binding.localAddress().getPort() + "/api/hello";
      Listener plainBinding = new EdgeServer(system, host -> Optional.ofNullable(hosts.get(host)), blobs)
          .runFunctionsWith(withoutSpares).start("127.0.0.1", 0).toCompletableFuture().get(30, TimeUnit.SECONDS);
      String plain = "http://127.0.0.1:" + plainBinding.localAddress().getPort() + "/api/hello";

      // A cold start with spares takes the spare that is ready; the next one waits until its replacement is.
      List<Double> coldFerry = new ArrayList<>();
      for (int i = 1; i <= COLD_STARTS; i++) {
        awaitSpares(runtime, settings.sparesPerRuntime());
        long started = System.nanoTime();
        assertEquals(200, get(ferry, "bench" + i + ".localhost").statusCode());
        coldFerry.add((System.nanoTime() - started) / 1e6);
      }
      List<Double> coldPlain = new ArrayList<>();
      for (int i = COLD_STARTS + 1; i <= 2 * COLD_STARTS; i++) {
        long started = System.nanoTime();
        assertEquals(200, get(plain, "bench" + i + ".localhost").statusCode());
        coldPlain.add((System.nanoTime() - started) / 1e6);
      }
      List<Double> coldBare = new ArrayList<>();
      for (int i = 0; i < COLD_STARTS; i++) {
        long started = System.nanoTime();
        Process process = startBare(func, dev.ferry.it.FerryProcess.freePort());
        coldBare.add((System.nanoTime() - started) / 1e6);
        process.destroyForcibly().waitFor();
      }
      int barePort = dev.ferry.it.FerryProcess.freePort();
      bare = startBare(func, barePort);
      String direct = "http://127.0.0.1:" + barePort + "/";

      List<Double> ferryLatencies = new ArrayList<>();
      List<Double> bareLatencies = new ArrayList<>();
      // The JIT compiles the edge's hot path with C2 for tens of seconds; fewer requests measure the compiler.
      long warmUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(WARMUP_SECONDS);
      while (System.nanoTime() < warmUntil) {
        measure(ferry, "bench0.localhost", 200, null);
        measure(direct, "localhost", 200, null);
      }
      for (int round = 0; round < ROUNDS; round++) {
        measure(ferry, "bench0.localhost", REQUESTS, ferryLatencies);
        measure(direct, "localhost", REQUESTS, bareLatencies);
      }
      double[] f = sorted(ferryLatencies);
      double[] b = sorted(bareLatencies);
      double[] cf = sorted(coldFerry);
      double[] cp = sorted(coldPlain);
      double[] cb = sorted(coldBare);
      System.out.printf(Locale.ROOT, "%n=== Function benchmark (%d s warm-up, then %d rounds x %d sequential keep-alive requests"
          + " each; sandbox: %s) ===%n", WARMUP_SECONDS, ROUNDS, REQUESTS, ProcessSandbox.detect().usesBubblewrap() ? "bubblewrap" : "process");
      System.out.printf(Locale.ROOT, "warm  Ferry edge -> function : p50 %.3f ms  p99 %.3f ms%n", pct(f, 50), pct(f, 99));
      System.out.printf(Locale.ROOT, "warm  bare Node http server : p50 %.3f ms  p99 %.3f ms%n", pct(b, 50), pct(b, 99));
      System.out.printf(Locale.ROOT, "warm  overhead              : p50 %.3f ms  p99 %.3f ms%n",
          pct(f, 50) - pct(b, 50), pct(f, 99) - pct(b, 99));
      System.out.printf(Locale.ROOT, "cold  Ferry, a spare (first request, unpack + assign): median %.1f ms  max %.1f ms"
          + " (n=%d, %d spare per runtime)%n", pct(cf, 50), cf[cf.length - 1], cf.length, settings.sparesPerRuntime());
      System.out.printf(Locale.ROOT, "cold  Ferry, no spares (first request, unpack + launch): median %.1f ms  max %.1f ms"
          + " (n=%d)%n", pct(cp, 50), cp[cp.length - 1], cp.length);
      System.out.printf(Locale.ROOT, "cold  bare node until listening             : median %.1f ms  max %.1f ms (n=%d)%n",
          pct(cb, 50), cb[cb.length - 1], cb.length);
      List<Double> coldContainer = coldContainerStarts(func, temp.resolve("data/functions/launchers"));
      if (coldContainer.isEmpty()) {
        System.out.println("cold  container sandbox: not measured (no engine at " + CONTAINER_HOST
            + "; run .ci/podman-service or set FERRY_TEST_DOCKER_HOST / FERRY_TEST_IMAGE)");
      } else {
        double[] cc = sorted(coldContainer);
        System.out.printf(Locale.ROOT, "cold  container sandbox until listening    : median %.1f ms  max %.1f ms (n=%d,"
            + " %s)%n", pct(cc, 50), cc[cc.length - 1], cc.length, CONTAINER_IMAGE);
      }
      binding.unbind();
      plainBinding.unbind();
    } finally {
      if (bare != null) {
        bare.destroyForcibly();
      }
      system.terminate();
      database.close();
    }
  }

  private FunctionRuntime runtime(ActorSystem<Void> system, FunctionSettings settings, FileSystemBlobStore blobs,
      Database database, String dataDir) throws java.io.IOException {
    return new FunctionRuntime(system, settings, new FunctionFiles(temp.resolve(dataDir).resolve("functions"), blobs),
        ProcessInstanceSandbox.like(ProcessSandbox.detect(), List.of(temp.resolve(dataDir))),
        deploymentId -> CompletableFuture.completedFuture(
            new RuntimeEnvironment.Variables("production", "bench", Map.of(), LogMasker.NONE)),
        new RuntimeLogStore(migrated(database)), FunctionMetrics.unregistered());
  }

  /** Waits (up to 10 s) until the runtime has its Node.js spares ready. */
  private static void awaitSpares(FunctionRuntime runtime, int perRuntime) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (runtime.spares("node") < perRuntime && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  private static javax.sql.DataSource migrated(Database database) {
    database.migrate();
    return database.dataSource();
  }

  /** The same handler in a plain Node.js HTTP server; returns once it accepts connections. */
  private Process startBare(Path func, int port) throws Exception {
    Process process = new ProcessBuilder("node", "--input-type=module", "-e",
        "import http from 'node:http'; import handler from '" + func.resolve("index.mjs").toUri() + "';"
            + " http.createServer(handler).listen(" + port + ", '127.0.0.1');")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        return process;
      } catch (java.io.IOException notYet) {
        Thread.sleep(2);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException("bare node did not listen");
  }

  private void measure(String url, String host, int requests, List<Double> into) throws Exception {
    for (int i = 0; i < requests; i++) {
      long started = System.nanoTime();
      HttpResponse<String> response = get(url, host);
      long nanos = System.nanoTime() - started;
      if (response.statusCode() != 200) {
        throw new AssertionError(url + " answered " + response.statusCode() + ": " + response.body());
      }
      if (into != null) {
        into.add(nanos / 1e6);
      }
    }
  }

  private HttpResponse<String> get(String url, String host) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).header("Host", host)
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static double[] sorted(List<Double> values) {
    double[] array = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(array);
    return array;
  }

  private static double pct(double[] sorted, int percentile) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)];
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
