package dev.ferry.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.storage.FileSystemBlobStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ferry's connection to an instance, against the real Node.js and Python launchers. */
class InstanceConnectionTest {

  private static final String NODE_HANDLER = """
      export default async function handler(req, res) {
        if (req.query.stream) {
          res.setHeader('content-type', 'text/plain');
          for (let i = 0; i < 3; i++) {
            res.write('part ' + i + '\\n');
            await new Promise((resolve) => setTimeout(resolve, 150));
          }
          return res.end();
        }
        if (req.query.empty) return res.status(204).end();
        if (req.query.close) res.setHeader('connection', 'close');
        res.setHeader('x-port', String(req.socket.remotePort));
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.json({ method: req.method, body: req.body, host: req.headers.host, query: req.query });
      }
      """;

  @TempDir
  Path temp;

  private Process process;

  @AfterEach
  void stop() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  private InstanceConnection launch(String runtime, String handlerFile, String source) throws Exception {
    assumeTrue(onPath(runtime.equals("node") ? "node" : "python3"), runtime + " is not installed");
    Path dir = Files.createDirectories(temp.resolve("fn"));
    Files.writeString(dir.resolve(handlerFile), source);
    FunctionFiles files = new FunctionFiles(temp.resolve("data"), new FileSystemBlobStore(temp.resolve("blobs")));
    files.writeLaunchers();
    FunctionSettings settings = FunctionSettings.from(com.typesafe.config.ConfigFactory.empty());
    process = new ProcessBuilder(FunctionRuntime.launcherCommand(settings, files, runtime, 256, dir, handlerFile, true))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String ready = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))
        .readLine();
    assertTrue(ready != null && ready.startsWith(FunctionInstance.READY), "the launcher announced " + ready);
    return new InstanceConnection(Integer.parseInt(ready.substring(FunctionInstance.READY.length()).trim()));
  }

  private static String header(InstanceConnection.Response response, String name) {
    return response.headers().stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
        .reduce((a, b) -> a + "|" + b).orElse(null);
  }

  private static String body(InstanceConnection.Response response) throws Exception {
    return new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void requestsShareOneKeptAliveConnection() throws Exception {
    InstanceConnection connection = launch("node", "index.mjs", NODE_HANDLER);
    List<Map.Entry<String, String>> headers = List.of(Map.entry("Host", "example.test"),
        Map.entry("Content-Type", "application/json"));
    InstanceConnection.Response first = connection.exchange("POST", "/api/x?a=1", headers,
        "{\"n\": 1}".getBytes(StandardCharsets.UTF_8));
    assertEquals(200, first.status());
    assertEquals("{\"method\":\"POST\",\"body\":{\"n\":1},\"host\":\"example.test\",\"query\":{\"a\":\"1\"}}",
        body(first));
    assertEquals("a=1|b=2", header(first, "set-cookie"));
    InstanceConnection.Response second = connection.exchange("GET", "/", List.of(Map.entry("Host", "h")),
        new byte[0]);
    assertEquals(200, second.status());
    body(second);
    assertEquals(header(first, "x-port"), header(second, "x-port"), "the same connection");
    connection.close();
  }

  @Test
  void streamsChunksAsTheyComeAndReconnectsAfterAClose() throws Exception {
    InstanceConnection connection = launch("node", "index.mjs", NODE_HANDLER);
    InstanceConnection.Response streamed = connection.exchange("GET", "/?stream=1", List.of(Map.entry("Host", "h")),
        new byte[0]);
    assertEquals(-1, streamed.contentLength(), "chunked");
    long started = System.nanoTime();
    byte[] buffer = new byte[100];
    int n = streamed.body().read(buffer, 0, buffer.length);
    assertEquals("part 0\n", new String(buffer, 0, n, StandardCharsets.UTF_8));
    assertTrue(System.nanoTime() - started < 250_000_000L, "the first chunk before the others");
    assertEquals("part 1\npart 2\n", body(streamed));

    InstanceConnection.Response empty = connection.exchange("GET", "/?empty=1", List.of(Map.entry("Host", "h")),
        new byte[0]);
    assertEquals(204, empty.status());
    assertEquals("", body(empty));
    InstanceConnection.Response closing = connection.exchange("GET", "/?close=1", List.of(Map.entry("Host", "h")),
        new byte[0]);
    String port = header(closing, "x-port");
    body(closing);
    InstanceConnection.Response after = connection.exchange("HEAD", "/", List.of(Map.entry("Host", "h")),
        new byte[0]);
    assertEquals(200, after.status());
    assertEquals("", body(after), "a HEAD response has no body");
    assertNotEquals(port, header(after, "x-port"), "a new connection after Connection: close");
  }

  @Test
  void aPythonHandlerClassAnswersUntilTheConnectionCloses() throws Exception {
    InstanceConnection connection = launch("python", "index.py", """
        from http.server import BaseHTTPRequestHandler

        class handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(("python " + self.path).encode())
        """);
    for (int i = 0; i < 2; i++) {
      InstanceConnection.Response response = connection.exchange("GET", "/p" + i, List.of(Map.entry("Host", "h")),
          new byte[0]);
      assertEquals(200, response.status());
      assertEquals("python /p" + i, body(response));
    }
  }

  @Test
  void aStoppedInstanceFailsTheRequest() throws Exception {
    InstanceConnection connection = launch("node", "index.mjs", NODE_HANDLER);
    body(connection.exchange("GET", "/", List.of(Map.entry("Host", "h")), new byte[0]));
    process.destroyForcibly().waitFor();
    assertThrows(java.io.IOException.class, () -> connection.exchange("GET", "/", List.of(Map.entry("Host", "h")),
        new byte[0]));
    connection.close();
    assertThrows(java.net.ConnectException.class, () -> connection.exchange("GET", "/",
        List.of(Map.entry("Host", "h")), new byte[0]));
  }

  static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
