package dev.ferry.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.sandbox.ProcessInstanceSandbox;
import dev.ferry.sandbox.ProcessSandbox;
import dev.ferry.storage.FileSystemBlobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spares in the real process sandbox with the real launchers: a spare becomes exactly one function's instance, with
 * only that deployment's variables, only its own files, and no way to be given a second function.
 */
class FunctionSparesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path temp;

  private final List<String> output = Collections.synchronizedList(new ArrayList<>());
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private FunctionFiles files;
  private ProcessInstanceSandbox sandbox;
  private FunctionSpares spares;
  private FunctionSettings settings;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(InstanceConnectionTest.onPath("node"), "node is not installed");
    Path data = temp.resolve("data");
    files = new FunctionFiles(data.resolve("functions"), new FileSystemBlobStore(temp.resolve("blobs")));
    files.writeLaunchers();
    sandbox = ProcessInstanceSandbox.like(ProcessSandbox.detect(), List.of(data));
    settings = FunctionSettings.from(com.typesafe.config.ConfigFactory.empty()).withResolvedInterpreters();
    spares = new FunctionSpares(settings, files, (spec, dir) -> {
      FunctionInstance instance = new FunctionInstance((stream, text) -> output.add(stream + ": " + text));
      try {
        instance.started(sandbox.start(spec, instance::line));
      } catch (java.io.IOException e) {
        return CompletableFuture.failedFuture(e);
      }
      return instance.ready().thenApply(port -> instance);
    }, executor);
    spares.fill();
  }

  @AfterEach
  void stop() {
    if (spares != null) {
      spares.close();
    }
    executor.shutdownNow();
  }

  private FunctionSpares.Spare awaitSpare(String runtime) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      FunctionSpares.Spare spare = spares.take(runtime, settings.defaultMemoryMb());
      if (spare != null) {
        return spare;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no " + runtime + " spare started: " + output);
  }

  private static JsonNode get(FunctionSpares.Spare spare) throws Exception {
    InstanceConnection.Response response = spare.instance().connection().exchange("GET", "/api/x",
        List.of(Map.entry("Host", "h")), new byte[0]);
    String body = new String(response.body().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(200, response.status(), body);
    return JSON.readTree(body);
  }

  @Test
  void aNodeSpareBecomesOneFunctionWithOnlyItsVariablesAndFiles() throws Exception {
    Path other = Files.createDirectories(temp.resolve("data/functions/deployments/other/f"));
    Files.writeString(other.resolve("secret.txt"), "another deployment's file");
    Path function = Files.createDirectories(temp.resolve("data/functions/deployments/mine/f"));
    Files.writeString(function.resolve("index.mjs"), """
        import fs from 'node:fs';
        export default function handler(req, res) {
          let other;
          try { other = fs.readFileSync('%s', 'utf8'); } catch (e) { other = 'hidden'; }
          res.json({ env: process.env, files: fs.readdirSync('.'), other });
        }
        """.formatted(other.resolve("secret.txt")));

    FunctionSpares.Spare spare = awaitSpare("node");
    assertNull(spares.take("node", 128), "a spare runs with the default memory only");
    try (Stream<Path> empty = Files.list(spare.dir())) {
      assertEquals(0, empty.count(), "a spare's directory is empty until it gets a function");
    }
    spares.assign(spare, function, "index.mjs", true, Map.of("PATH", "/usr/bin:/bin", "GREETING", "hello mine"));
    JsonNode answer = get(spare);
    assertEquals(Map.of("PATH", "/usr/bin:/bin", "GREETING", "hello mine"),
        JSON.convertValue(answer.get("env"), Map.class), "only the deployment's variables, no token");
    assertEquals("[\"index.mjs\"]", answer.get("files").toString());
    if (sandbox.usesBubblewrap()) {
      assertEquals("hidden", answer.get("other").asText(), "other deployments' files are out of reach");
    }
    // Once it has a function, the assignment path is the function's own: nothing can give it another one.
    InstanceConnection.Response again = spare.instance().connection().exchange("POST", FunctionSpares.ASSIGN_PATH,
        List.of(Map.entry("Host", "h"), Map.entry("X-Ferry-Spare-Token", spare.token())),
        "{\"handler\": \"other.mjs\", \"env\": {}}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(200, again.status());
    assertEquals("hello mine", JSON.readTree(again.body().readAllBytes()).get("env").get("GREETING").asText(),
        "a spare takes one function, once");
    assertNotNull(awaitSpare("node"), "a new spare started in the background");
    spare.instance().kill();
  }

  @Test
  void aPythonSpareServesAWsgiApp() throws Exception {
    assumeTrue(InstanceConnectionTest.onPath("python3"), "python3 is not installed");
    Path function = Files.createDirectories(temp.resolve("data/functions/deployments/py/f"));
    Files.writeString(function.resolve("index.py"), """
        import json, os

        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"env": dict(os.environ), "files": sorted(os.listdir("."))}).encode()]
        """);
    FunctionSpares.Spare spare = awaitSpare("python");
    spares.assign(spare, function, "index.py", true, Map.of("GREETING", "hello python"));
    JsonNode answer = get(spare);
    assertEquals("hello python", answer.get("env").get("GREETING").asText());
    assertTrue(answer.get("env").get(FunctionSpares.TOKEN_VARIABLE) == null, "the token is gone");
    assertEquals("[\"index.py\"]", answer.get("files").toString());
    assertEquals("hello python", get(spare).get("env").get("GREETING").asText(), "and serves again");
    spare.instance().kill();
  }

  @Test
  void fetchWorksUnderTheMemoryLimit() throws Exception {
    assumeTrue(sandbox.limitsMemory(), "prlimit is not installed: no address-space limit to test");
    Path function = Files.createDirectories(temp.resolve("data/functions/deployments/fetch/f"));
    Files.writeString(function.resolve("index.mjs"), """
        export default async function handler(req, res) {
          if (req.query.inner) return res.end('inner answer');
          try {
            const inner = await fetch(`http://127.0.0.1:${req.socket.localPort}/?inner=1`);
            res.json({ outcome: await inner.text() });
          } catch (error) {
            res.json({ outcome: String(error.cause || error) });
          }
        }
        """);
    FunctionSpares.Spare spare = awaitSpare("node");
    spares.assign(spare, function, "index.mjs", true, Map.of());
    // fetch() parses with WebAssembly (undici's llhttp), whose guard regions an address-space limit would not leave
    // room for: Node's memory is watched as resident memory instead.
    assertEquals("inner answer", get(spare).get("outcome").asText(), output.toString());
    spare.instance().kill();
  }

  @Test
  void aFunctionThatCannotLoadFailsTheAssignment() throws Exception {
    Path function = Files.createDirectories(temp.resolve("data/functions/deployments/bad/f"));
    Files.writeString(function.resolve("index.mjs"), "export const nothing = 1;\n");
    FunctionSpares.Spare spare = awaitSpare("node");
    assertThrows(java.io.IOException.class, () -> spares.assign(spare, function, "index.mjs", true, Map.of()));
    // The instance's stderr is read by another thread: its line may come just after the failed assignment.
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (output.stream().noneMatch(line -> line.contains("exports no handler")) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(output.stream().anyMatch(line -> line.contains("exports no handler")), output.toString());
  }
}
