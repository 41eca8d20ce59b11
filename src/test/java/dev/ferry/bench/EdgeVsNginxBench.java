package dev.ferry.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.ConfigFactory;
import dev.ferry.edge.EdgeServer;
import dev.ferry.storage.FileSystemBlobStore;
import dev.ferry.storage.Precompression;
import dev.ferry.storage.Publisher;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.japi.function.Function;
import dev.ferry.edge.tls.DevelopmentCertificate;
import dev.ferry.edge.tls.EdgeTls;
import dev.ferry.edge.tls.LocalCertificateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ferry's edge against nginx and caddy serving the same files, all on 127.0.0.1, all measured by wrk with the same
 * URL set, threads, connections and duration. Not part of the normal test run: {@code mvn -Pbench test}.
 *
 * <p>The site and URL set (issue #6): index.html (1 KiB) and a hashed 100 KiB script, fetched as is, over plain
 * HTTP and over TLS (HTTP/1.1, the self-signed development certificate; nginx only); caddy's
 * {@code file_server} is the second peer; rounds ({@code -Dbench.rounds=2}) alternate the servers' order and are
 * averaged. Settings: {@code -Dbench.threads=2 -Dbench.connections=64 -Dbench.duration=10 -Dbench.warmup=10} (seconds,
 * at most 60); {@code -Dbench.verbose=true} prints wrk's full output of each measured run.
 */
class EdgeVsNginxBench {

  private static final int THREADS = Integer.getInteger("bench.threads", 2);
  private static final int CONNECTIONS = Integer.getInteger("bench.connections", 64);
  private static final int DURATION_SECONDS = Math.min(60, Math.max(1, Integer.getInteger("bench.duration", 10)));
  /**
   * Per server and URL. 10 s, not less: the edge runs in this JVM, and JFR showed C2 compiling Pekko HTTP's hot
   * paths for about 25 s after the load began; with 3 s the first measured round timed the JIT, not the server.
   */
  private static final int WARMUP_SECONDS = Math.min(60, Math.max(1, Integer.getInteger("bench.warmup", 10)));

  private static final Pattern REQUESTS_PER_SECOND = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern PERCENTILE = Pattern.compile("^\\s*(50|99)(?:\\.000)?%\\s+([0-9.]+)(us|ms|s)\\s*$",
      Pattern.MULTILINE);
  private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ");
  private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
  private static final Pattern SOCKET_ERRORS = Pattern.compile("Socket errors:.*");

  /** tls: over HTTPS (HTTP/1.1, the development certificate), against nginx only. */
  private record Scenario(String name, String path, String acceptEncoding, boolean tls) {}

  /** cpuMicros: the server's CPU time per request (all its threads or processes), or -1 where unknown. */
  private record Result(double requestsPerSecond, double p50Millis, double p99Millis, double cpuMicros,
      double wrkCpuMicros, String raw) {}

  /** Exactly the URL set: a 1 KiB HTML page and a 100 KiB JS file, as sent (no compression). */
  private static final List<Scenario> SCENARIOS = List.of(
      new Scenario("index.html 1 KiB", "/index.html", null, false),
      new Scenario("app.js 100 KiB", "/assets/app.3f9a1c2b.js", null, false),
      new Scenario("1 KiB over TLS", "/index.html", null, true),
      new Scenario("100 KiB over TLS", "/assets/app.3f9a1c2b.js", null, true));

  /** Measured rounds; the order of the servers alternates from round to round. */
  /** wrk's CPU time: the JVM's reaped children (wrk runs are the only children that finish during a run). */
  private static final LongSupplier WRK_CPU = ProcessCpu.ofFinishedChildren();

  private static final int ROUNDS = Math.max(1, Integer.getInteger("bench.rounds", 2));

  @TempDir Path work;

  @Test
  void ferryAgainstNginx() throws Exception {
    Path nginx = requireTool("/usr/sbin/nginx", "nginx");
    Path caddy = requireTool("/usr/bin/caddy", "caddy");
    Path wrk = requireTool("/usr/bin/wrk", "wrk");

    Path site = Files.createDirectories(work.resolve("site"));
    writeSite(site);
    FileSystemBlobStore store = new FileSystemBlobStore(work.resolve("store"));
    Publisher.publish(site, "bench", store);
    writeGzipCopiesForNginx(site);

    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench", ConfigFactory
        .parseString("pekko.actor.provider = local\npekko.loglevel = WARNING")
        .withFallback(ConfigFactory.load()));
    dev.ferry.common.Listener ferry = null;
    dev.ferry.common.Listener bare = null;
    dev.ferry.common.Listener ferryTls = null;
    Process nginxProcess = null;
    Process caddyProcess = null;
    try {
      EdgeServer edge = new EdgeServer(system, host -> Optional.of("bench"), store);
      ferry = edge.start("127.0.0.1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
      int ferryPort = ferry.localAddress().getPort();
      Path certs = Files.createDirectories(work.resolve("certs"));
      ferryTls = edge.startTls("127.0.0.1", 0, EdgeTls.serverContext(LocalCertificateStore.inMemory(),
          DevelopmentCertificate.loadOrCreate(certs))).toCompletableFuture().get(10, TimeUnit.SECONDS);
      Path pem = certs.resolve(DevelopmentCertificate.FILE_NAME);
      bare = dev.ferry.common.Listener.of(startBarePekko(system, Files.readAllBytes(site.resolve("index.html"))));
      int barePort = bare.localAddress().getPort();
      int nginxPort = freePort();
      int nginxTlsPort = freePort();
      nginxProcess = startNginx(nginx, site, nginxPort, nginxTlsPort, pem);

      int caddyPort = freePort();
      caddyProcess = startCaddy(caddy, site, caddyPort);

      checkSameContent(ferryPort, nginxPort);
      checkSameContent(ferryPort, caddyPort);

      List<String> names = List.of("Ferry", "nginx", "caddy");
      int[] ports = {ferryPort, nginxPort, caddyPort};
      int[] tlsPorts = {ferryTls.localAddress().getPort(), nginxTlsPort, -1};
      List<LongSupplier> cpu = List.of(ProcessCpu.ofThisJvm(), ProcessCpu.of(nginxProcess), ProcessCpu.of(caddyProcess));
      System.out.printf("%nWarming up (%d s per scenario on each server)...%n", WARMUP_SECONDS);
      for (Scenario scenario : SCENARIOS.stream().filter(scenario -> !scenario.tls()).toList()) {
        for (int port : scenario.tls() ? tlsPorts : ports) {
          if (port > 0) {
            runWrk(wrk, port, scenario, WARMUP_SECONDS, null);
          }
        }
      }
      // results[scenario][server][round]
      Result[][][] results = new Result[SCENARIOS.size()][ports.length][ROUNDS];
      for (int round = 0; round < ROUNDS; round++) {
        for (int s = 0; s < SCENARIOS.size(); s++) {
          for (int k = 0; k < ports.length; k++) {
            // Alternate: forwards in even rounds, backwards in odd ones, so no server always runs first.
            int server = round % 2 == 0 ? k : ports.length - 1 - k;
            int port = (SCENARIOS.get(s).tls() ? tlsPorts : ports)[server];
            results[s][server][round] = port < 0 ? null : runWrk(wrk, port, SCENARIOS.get(s), DURATION_SECONDS,
                cpu.get(server));
          }
        }
      }
      List<String> rows = new ArrayList<>();
      for (int s = 0; s < SCENARIOS.size(); s++) {
        Result nginxResult = mean(results[s][1]);
        for (int server = 0; server < ports.length; server++) {
          if (results[s][server][0] == null) {
            continue;
          }
          Result r = mean(results[s][server]);
          rows.add(String.format(Locale.ROOT, "| %-16s | %-5s | %9.0f | %7.2f | %7.2f | %5.2f | %5.2f | %6.1f | %6.1f |",
              SCENARIOS.get(s).name(), names.get(server), r.requestsPerSecond(), r.p50Millis(), r.p99Millis(),
              r.requestsPerSecond() / nginxResult.requestsPerSecond(), r.p99Millis() / nginxResult.p99Millis(),
              r.cpuMicros(), r.wrkCpuMicros()));
        }
      }
      runWrk(wrk, barePort, SCENARIOS.get(0), WARMUP_SECONDS, null);
      Result ceiling = runWrk(wrk, barePort, SCENARIOS.get(0), DURATION_SECONDS, cpu.get(0));
      System.out.printf("%nFerry edge vs %s and %s: wrk -t%d -c%d -d%ds, %d rounds (alternating order), 127.0.0.1,"
          + " %d cores%n", nginxVersion(nginx), caddyVersion(caddy), THREADS, CONNECTIONS, DURATION_SECONDS, ROUNDS,
          Runtime.getRuntime().availableProcessors());
      System.out.println("| scenario         | server|   req/s   | p50 ms  | p99 ms  | r/s÷n | p99÷n | CPU µs/req | wrk µs/req |");
      System.out.println("|------------------|-------|-----------|---------|---------|-------|-------|--------|--------|");
      rows.forEach(System.out::println);
      System.out.printf(Locale.ROOT, "Pekko HTTP alone (a constant 1 KiB response, same settings): %.0f r/s, p50 %.2f ms,"
          + " p99 %.2f ms, CPU %.1f µs/req%n", ceiling.requestsPerSecond(), ceiling.p50Millis(), ceiling.p99Millis(),
          ceiling.cpuMicros());
      System.out.println("CPU µs/req: the server's CPU time (user + system, all threads or worker processes) per"
          + " request; wrk µs/req: wrk's own, on the same cores");
      System.out.println("Goals (issue #6): r/s ÷ nginx >= 0.8 on 1 KiB and >= 0.6 on 100 KiB; p99 <= 2 × nginx\n");
    } finally {
      for (Process process : new Process[] {nginxProcess, caddyProcess}) {
        if (process != null) {
          process.destroy();
          if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
          }
        }
      }
      for (dev.ferry.common.Listener binding : new dev.ferry.common.Listener[] {ferry, bare, ferryTls}) {
        if (binding != null) {
          binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
      }
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** The framework's ceiling: Pekko HTTP answering every request with the same ready-made response. */
  private static ServerBinding startBarePekko(ActorSystem<Void> system, byte[] body) throws Exception {
    org.apache.pekko.http.javadsl.model.HttpResponse constant = org.apache.pekko.http.javadsl.model.HttpResponse
        .create().withEntity(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, body));
    Function<org.apache.pekko.http.javadsl.model.HttpRequest,
        CompletionStage<org.apache.pekko.http.javadsl.model.HttpResponse>> handler =
            request -> CompletableFuture.completedFuture(constant);
    return Http.get(system).newServerAt("127.0.0.1", 0).bind(handler).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Path requireTool(String path, String name) {
    Path tool = Path.of(path);
    if (Files.isExecutable(tool)) {
      return tool;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    String message = "\n\n*** BENCHMARK CANNOT RUN: '" + name + "' is not installed. ***\n"
        + "*** Install it (Debian: apt-get install -y nginx wrk) and run mvn -Pbench test again. ***\n";
    System.err.println(message);
    return fail(message);
  }

  private static void writeSite(Path site) throws IOException {
    StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<title>Bench</title><script type=\"module\" src=\"/assets/app.3f9a1c2b.js\"></script></head><body>\n");
    for (int i = 0; html.length() < 1024 - 20; i++) {
      html.append("<p>Paragraph ").append(i).append(" of the benchmark page.</p>\n");
    }
    html.append("</body></html>\n");
    Files.writeString(site.resolve("index.html"), html.substring(0, 1024 - 15) + "</body></html>\n");

    Files.createDirectories(site.resolve("assets"));
    StringBuilder js = new StringBuilder();
    Random random = new Random(1);
    for (int i = 0; js.length() < 100 * 1024; i++) {
      js.append("export function f").append(i).append("(a, b) { return a * ").append(random.nextInt(1000))
          .append(" + b; }\n");
    }
    Files.writeString(site.resolve("assets/app.3f9a1c2b.js"), js.substring(0, 100 * 1024));

  }

  /** nginx's gzip_static serves {@code name.gz} next to {@code name}: the same level-9 bytes Ferry stored. */
  private static void writeGzipCopiesForNginx(Path site) throws IOException {
    for (String name : List.of("index.html", "assets/app.3f9a1c2b.js")) {
      Path file = site.resolve(name);
      byte[] gzip = Precompression.gzip(Files.readAllBytes(file)).orElseThrow();
      Files.write(site.resolve(name + ".gz"), gzip);
    }
  }

  private Process startNginx(Path nginx, Path site, int port, int tlsPort, Path pem) throws Exception {
    Path prefix = Files.createDirectories(work.resolve("nginx"));
    Path conf = prefix.resolve("nginx.conf");
    boolean root = "root".equals(System.getProperty("user.name"));
    Files.writeString(conf, """
        daemon off;
        %s
        worker_processes %d;
        pid %s/nginx.pid;
        error_log %s/error.log warn;
        events { worker_connections 4096; }
        http {
          access_log off;
          sendfile on;
          tcp_nopush on;
          tcp_nodelay on;
          keepalive_timeout 65;
          keepalive_requests 1000000;
          types { text/html html; text/javascript js; image/jpeg jpg; }
          default_type application/octet-stream;
          client_body_temp_path %s/body;
          proxy_temp_path %s/proxy;
          fastcgi_temp_path %s/fastcgi;
          uwsgi_temp_path %s/uwsgi;
          scgi_temp_path %s/scgi;
          gzip_static on;
          server {
            listen 127.0.0.1:%d;
            root %s;
          }
          server {
            listen 127.0.0.1:%d ssl;
            ssl_certificate %s;
            ssl_certificate_key %s;
            root %s;
          }
        }
        """.formatted(root ? "user root;" : "", Runtime.getRuntime().availableProcessors(), prefix, prefix, prefix,
        prefix, prefix, prefix, prefix, port, site.toAbsolutePath(), tlsPort, pem, pem, site.toAbsolutePath()));
    ProcessBuilder builder = new ProcessBuilder(nginx.toString(), "-p", prefix.toString(), "-c", conf.toString(),
        "-e", prefix.resolve("error.log").toString());
    builder.redirectErrorStream(true);
    builder.redirectOutput(prefix.resolve("stdout.log").toFile());
    Process process = builder.start();
    Instant deadline = Instant.now().plusSeconds(10);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        fail("nginx exited with " + process.exitValue() + ": " + Files.readString(prefix.resolve("stdout.log"))
            + readIfExists(prefix.resolve("error.log")));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return process;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    process.destroyForcibly();
    return fail("nginx did not listen on port " + port + " within 10 s");
  }

  /** Averages the rounds of one server and scenario. */
  private static Result mean(Result[] rounds) {
    double rps = 0;
    double p50 = 0;
    double p99 = 0;
    double cpu = 0;
    double wrkCpu = 0;
    for (Result r : rounds) {
      rps += r.requestsPerSecond() / rounds.length;
      p50 += r.p50Millis() / rounds.length;
      p99 += r.p99Millis() / rounds.length;
      cpu = cpu < 0 || r.cpuMicros() < 0 ? -1 : cpu + r.cpuMicros() / rounds.length;
      wrkCpu = wrkCpu < 0 || r.wrkCpuMicros() < 0 ? -1 : wrkCpu + r.wrkCpuMicros() / rounds.length;
    }
    return new Result(rps, p50, p99, cpu, wrkCpu, "");
  }

  /** caddy's file server on the same directory, with its admin endpoint, automatic HTTPS and logs off. */
  private Process startCaddy(Path caddy, Path site, int port) throws Exception {
    Path dir = Files.createDirectories(work.resolve("caddy"));
    Path conf = dir.resolve("Caddyfile");
    Files.writeString(conf, """
        {
          admin off
          auto_https off
        }
        http://127.0.0.1:%d {
          root * %s
          file_server {
            precompressed gzip
          }
        }
        """.formatted(port, site.toAbsolutePath()));
    ProcessBuilder builder = new ProcessBuilder(caddy.toString(), "run", "--config", conf.toString(), "--adapter",
        "caddyfile");
    builder.environment().put("XDG_DATA_HOME", dir.resolve("data").toString());
    builder.environment().put("XDG_CONFIG_HOME", dir.resolve("config").toString());
    builder.environment().put("HOME", dir.toString());
    builder.redirectErrorStream(true);
    builder.redirectOutput(dir.resolve("stdout.log").toFile());
    Process process = builder.start();
    Instant deadline = Instant.now().plusSeconds(10);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        fail("caddy exited with " + process.exitValue() + ": " + Files.readString(dir.resolve("stdout.log")));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return process;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    process.destroyForcibly();
    return fail("caddy did not listen on port " + port + " within 10 s");
  }

  private static String caddyVersion(Path caddy) {
    try {
      Process process = new ProcessBuilder(caddy.toString(), "version").redirectErrorStream(true).start();
      String version = new String(process.getInputStream().readAllBytes(), UTF_8).trim();
      process.waitFor(5, TimeUnit.SECONDS);
      return "caddy " + version.split(" ")[0];
    } catch (IOException | InterruptedException e) {
      return "caddy";
    }
  }

  private static void checkSameContent(int ferryPort, int nginxPort) throws Exception {
    // (also used for caddy as the second peer)
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (Scenario scenario : SCENARIOS) {
      HttpResponse<byte[]> fromFerry = fetch(http, ferryPort, scenario);
      HttpResponse<byte[]> fromNginx = fetch(http, nginxPort, scenario);
      assertEquals(200, fromFerry.statusCode(), "Ferry " + scenario);
      assertEquals(200, fromNginx.statusCode(), "nginx " + scenario);
      assertEquals(fromNginx.headers().firstValue("Content-Encoding"),
          fromFerry.headers().firstValue("Content-Encoding"), scenario.toString());
      assertArrayEquals(fromNginx.body(), fromFerry.body(), scenario.toString());
    }
  }

  private static HttpResponse<byte[]> fetch(HttpClient http, int port, Scenario scenario) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + scenario.path()))
        .timeout(Duration.ofSeconds(10));
    if (scenario.acceptEncoding() != null) {
      request.header("Accept-Encoding", scenario.acceptEncoding());
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** @param cpu the server's CPU counter in nanoseconds, or null when its cost is not wanted (warm-up) */
  private static Result runWrk(Path wrk, int port, Scenario scenario, int seconds, LongSupplier cpu)
      throws Exception {
    List<String> command = new ArrayList<>(List.of(wrk.toString(), "-t" + THREADS, "-c" + CONNECTIONS,
        "-d" + seconds + "s", "--timeout", "5s", "--latency"));
    if (scenario.acceptEncoding() != null) {
      command.addAll(List.of("-H", "Accept-Encoding: " + scenario.acceptEncoding()));
    }
    command.add((scenario.tls() ? "https" : "http") + "://127.0.0.1:" + port + scenario.path());
    long cpuBefore = cpu == null ? -1 : cpu.getAsLong();
    long wrkCpuBefore = WRK_CPU.getAsLong();
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), UTF_8);
    long cpuAfter = cpu == null ? -1 : cpu.getAsLong();
    if (!process.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("wrk did not finish: " + command);
    }
    long wrkCpuAfter = WRK_CPU.getAsLong();
    if (process.exitValue() != 0) {
      fail("wrk failed (" + process.exitValue() + "): " + output);
    }
    Matcher non2xx = NON_2XX.matcher(output);
    if (non2xx.find()) {
      fail("wrk saw " + non2xx.group(1) + " non-2xx responses from port " + port + ":\n" + output);
    }
    if (cpu != null && Boolean.getBoolean("bench.verbose")) {
      System.out.println("wrk, port " + port + ", " + scenario.name() + ":\n" + output);
    }
    Matcher errors = SOCKET_ERRORS.matcher(output);
    if (errors.find()) {
      System.out.println("  note, port " + port + " " + scenario.name() + ": " + errors.group());
    }
    Matcher rps = REQUESTS_PER_SECOND.matcher(output);
    if (!rps.find()) {
      fail("no Requests/sec in wrk output:\n" + output);
    }
    double p50 = -1;
    double p99 = -1;
    Matcher percentile = PERCENTILE.matcher(output);
    while (percentile.find()) {
      double value = Double.parseDouble(percentile.group(2));
      double millis = switch (percentile.group(3)) {
        case "us" -> value / 1000;
        case "s" -> value * 1000;
        default -> value;
      };
      if (percentile.group(1).equals("50")) {
        p50 = millis;
      } else {
        p99 = millis;
      }
    }
    Matcher requests = REQUESTS.matcher(output);
    long count = requests.find() ? Long.parseLong(requests.group(1)) : 0;
    double cpuMicros = cpuBefore < 0 || cpuAfter < 0 || count == 0 ? -1 : (cpuAfter - cpuBefore) / 1000.0 / count;
    double wrkCpuMicros = wrkCpuBefore < 0 || wrkCpuAfter < 0 || count == 0
        ? -1
        : (wrkCpuAfter - wrkCpuBefore) / 1000.0 / count;
    return new Result(Double.parseDouble(rps.group(1)), p50, p99, cpuMicros, wrkCpuMicros, output);
  }

  private static String nginxVersion(Path nginx) {
    try {
      Process process = new ProcessBuilder(nginx.toString(), "-v").redirectErrorStream(true).start();
      String version = new String(process.getInputStream().readAllBytes(), UTF_8).trim();
      process.waitFor(5, TimeUnit.SECONDS);
      return version.replace("nginx version: ", "");
    } catch (IOException | InterruptedException e) {
      return "nginx";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String readIfExists(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file) : "";
  }
}
