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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.japi.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ferry's edge against nginx serving the same files, both on 127.0.0.1, both measured by wrk with the same URL set,
 * threads, connections and duration. Not part of the normal test run: {@code mvn -Pbench test}.
 *
 * <p>The site: index.html (2 KiB), a hashed 40 KiB script and a 200 KiB image. nginx gets the same gzip files
 * through {@code gzip_static}, so the compressed scenarios compare precompressed serving on both sides.
 * Settings: {@code -Dbench.threads=2 -Dbench.connections=64 -Dbench.duration=10} (seconds, at most 60).
 */
class EdgeVsNginxBench {

  private static final int THREADS = Integer.getInteger("bench.threads", 2);
  private static final int CONNECTIONS = Integer.getInteger("bench.connections", 64);
  private static final int DURATION_SECONDS = Math.min(60, Math.max(1, Integer.getInteger("bench.duration", 10)));
  private static final int WARMUP_SECONDS = 3;

  private static final Pattern REQUESTS_PER_SECOND = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern PERCENTILE = Pattern.compile("^\\s*(50|99)(?:\\.000)?%\\s+([0-9.]+)(us|ms|s)\\s*$",
      Pattern.MULTILINE);
  private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
  private static final Pattern SOCKET_ERRORS = Pattern.compile("Socket errors:.*");

  private record Scenario(String name, String path, String acceptEncoding) {}

  private record Result(double requestsPerSecond, double p50Millis, double p99Millis, String raw) {}

  private static final List<Scenario> SCENARIOS = List.of(
      new Scenario("index.html 2 KiB", "/index.html", null),
      new Scenario("index.html gzip", "/index.html", "gzip"),
      new Scenario("app.js 40 KiB", "/assets/app.3f9a1c2b.js", null),
      new Scenario("app.js gzip", "/assets/app.3f9a1c2b.js", "gzip"),
      new Scenario("photo.jpg 200 KiB", "/img/photo.jpg", null));

  @TempDir Path work;

  @Test
  void ferryAgainstNginx() throws Exception {
    Path nginx = requireTool("/usr/sbin/nginx", "nginx");
    Path wrk = requireTool("/usr/bin/wrk", "wrk");

    Path site = Files.createDirectories(work.resolve("site"));
    writeSite(site);
    FileSystemBlobStore store = new FileSystemBlobStore(work.resolve("store"));
    Publisher.publish(site, "bench", store);
    writeGzipCopiesForNginx(site);

    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench", ConfigFactory
        .parseString("pekko.actor.provider = local\npekko.loglevel = WARNING")
        .withFallback(ConfigFactory.load()));
    ServerBinding ferry = null;
    ServerBinding bare = null;
    Process nginxProcess = null;
    try {
      ferry = new EdgeServer(system, host -> Optional.of("bench"), store)
          .start("127.0.0.1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
      int ferryPort = ferry.localAddress().getPort();
      bare = startBarePekko(system, Files.readAllBytes(site.resolve("index.html")));
      int barePort = bare.localAddress().getPort();
      int nginxPort = freePort();
      nginxProcess = startNginx(nginx, site, nginxPort);

      checkSameContent(ferryPort, nginxPort);

      System.out.printf("%nWarming up (%d s per scenario on each server)...%n", WARMUP_SECONDS);
      for (Scenario scenario : SCENARIOS) {
        runWrk(wrk, ferryPort, scenario, WARMUP_SECONDS);
        runWrk(wrk, nginxPort, scenario, WARMUP_SECONDS);
      }
      List<String> rows = new ArrayList<>();
      for (Scenario scenario : SCENARIOS) {
        Result ferryResult = runWrk(wrk, ferryPort, scenario, DURATION_SECONDS);
        Result nginxResult = runWrk(wrk, nginxPort, scenario, DURATION_SECONDS);
        rows.add(String.format(Locale.ROOT, "| %-18s | %9.0f | %7.2f | %7.2f | %9.0f | %7.2f | %7.2f | %5.2f |",
            scenario.name(), ferryResult.requestsPerSecond(), ferryResult.p50Millis(), ferryResult.p99Millis(),
            nginxResult.requestsPerSecond(), nginxResult.p50Millis(), nginxResult.p99Millis(),
            ferryResult.requestsPerSecond() / nginxResult.requestsPerSecond()));
      }
      runWrk(wrk, barePort, SCENARIOS.get(0), WARMUP_SECONDS);
      Result ceiling = runWrk(wrk, barePort, SCENARIOS.get(0), DURATION_SECONDS);
      System.out.printf("%nFerry edge vs nginx %s: wrk -t%d -c%d -d%ds, 127.0.0.1, %d cores%n", nginxVersion(nginx),
          THREADS, CONNECTIONS, DURATION_SECONDS, Runtime.getRuntime().availableProcessors());
      System.out.println("| scenario           | Ferry r/s | p50 ms  | p99 ms  | nginx r/s | p50 ms  | p99 ms  | F/n   |");
      System.out.println("|--------------------|-----------|---------|---------|-----------|---------|---------|-------|");
      rows.forEach(System.out::println);
      System.out.printf(Locale.ROOT, "Pekko HTTP alone (a constant 2 KiB response, same settings): %.0f r/s, p50 %.2f ms,"
          + " p99 %.2f ms%n%n", ceiling.requestsPerSecond(), ceiling.p50Millis(), ceiling.p99Millis());
    } finally {
      if (nginxProcess != null) {
        nginxProcess.destroy();
        if (!nginxProcess.waitFor(10, TimeUnit.SECONDS)) {
          nginxProcess.destroyForcibly();
        }
      }
      for (ServerBinding binding : new ServerBinding[] {ferry, bare}) {
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
    for (int i = 0; html.length() < 2048 - 20; i++) {
      html.append("<p>Paragraph ").append(i).append(" of the benchmark page.</p>\n");
    }
    html.append("</body></html>\n");
    Files.writeString(site.resolve("index.html"), html.substring(0, 2048 - 15) + "</body></html>\n");

    Files.createDirectories(site.resolve("assets"));
    StringBuilder js = new StringBuilder();
    Random random = new Random(1);
    for (int i = 0; js.length() < 40 * 1024; i++) {
      js.append("export function f").append(i).append("(a, b) { return a * ").append(random.nextInt(1000))
          .append(" + b; }\n");
    }
    Files.writeString(site.resolve("assets/app.3f9a1c2b.js"), js.substring(0, 40 * 1024));

    Files.createDirectories(site.resolve("img"));
    byte[] image = new byte[200 * 1024];
    random.nextBytes(image);
    Files.write(site.resolve("img/photo.jpg"), image);
  }

  /** nginx's gzip_static serves {@code name.gz} next to {@code name}: the same level-9 bytes Ferry stored. */
  private static void writeGzipCopiesForNginx(Path site) throws IOException {
    for (String name : List.of("index.html", "assets/app.3f9a1c2b.js")) {
      Path file = site.resolve(name);
      byte[] gzip = Precompression.gzip(Files.readAllBytes(file)).orElseThrow();
      Files.write(site.resolve(name + ".gz"), gzip);
    }
  }

  private Process startNginx(Path nginx, Path site, int port) throws Exception {
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
        }
        """.formatted(root ? "user root;" : "", Runtime.getRuntime().availableProcessors(), prefix, prefix, prefix,
        prefix, prefix, prefix, prefix, port, site.toAbsolutePath()));
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

  private static void checkSameContent(int ferryPort, int nginxPort) throws Exception {
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

  private static Result runWrk(Path wrk, int port, Scenario scenario, int seconds) throws Exception {
    List<String> command = new ArrayList<>(List.of(wrk.toString(), "-t" + THREADS, "-c" + CONNECTIONS,
        "-d" + seconds + "s", "--timeout", "5s", "--latency"));
    if (scenario.acceptEncoding() != null) {
      command.addAll(List.of("-H", "Accept-Encoding: " + scenario.acceptEncoding()));
    }
    command.add("http://127.0.0.1:" + port + scenario.path());
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), UTF_8);
    if (!process.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("wrk did not finish: " + command);
    }
    if (process.exitValue() != 0) {
      fail("wrk failed (" + process.exitValue() + "): " + output);
    }
    Matcher non2xx = NON_2XX.matcher(output);
    if (non2xx.find()) {
      fail("wrk saw " + non2xx.group(1) + " non-2xx responses from port " + port + ":\n" + output);
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
    return new Result(Double.parseDouble(rps.group(1)), p50, p99, output);
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
