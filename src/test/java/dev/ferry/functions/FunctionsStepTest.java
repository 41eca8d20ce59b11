package dev.ferry.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.build.BuildFailure;
import dev.ferry.sandbox.ProcessSandbox;
import dev.ferry.sandbox.Sandbox;
import dev.ferry.storage.FileSystemBlobStore;
import dev.ferry.storage.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The functions step of a build: real esbuild in the real process sandbox, real blob store. */
class FunctionsStepTest {

  @TempDir
  Path temp;

  private Path root;
  private FileSystemBlobStore blobs;
  private final List<String> log = new ArrayList<>();
  private final ProcessSandbox sandbox = ProcessSandbox.detect();

  @BeforeEach
  void project() throws Exception {
    root = Files.createDirectories(temp.resolve("work/src"));
    blobs = new FileSystemBlobStore(temp.resolve("blobs"));
  }

  private FunctionsStep.Functions build() throws Exception {
    return FunctionsStep.build(root, temp.resolve("work"), blobs, (stream, text) -> log.add(text),
        (step, command, dir) -> {
          Sandbox.Result result = sandbox.run(new Sandbox.Spec(command, dir, Map.of(), Duration.ofMinutes(2), 0),
              (stream, text) -> log.add(text), () -> false);
          if (!result.succeeded()) {
            throw new BuildFailure(step + " failed: " + String.join("\n", log));
          }
        });
  }

  private void write(String path, String content) throws Exception {
    Files.createDirectories(root.resolve(path).getParent());
    Files.writeString(root.resolve(path), content);
  }

  @Test
  void apiFilesBecomeFunctionsAndLeaveTheStaticOutput() throws Exception {
    assumeTrue(ApiFunctions.esbuild(root) != null, "esbuild is not installed (.ci/run installs it)");
    write("index.html", "<p>hi</p>");
    write("api/hello.ts", "import { twice } from './_lib/math';\n"
        + "export default function (req: any, res: any) { res.json({ n: twice(21) }); }\n");
    write("api/_lib/math.ts", "export const twice = (n: number): number => n * 2;\n");
    write("api/types.d.ts", "export type X = number;\n");
    write("api/items/[id].py", "def app(environ, start_response):\n    return []\n");
    write("helpers.py", "X = 1\n");
    write("vercel.json", "{\"functions\": {\"api/hello.ts\": {\"memory\": 256, \"maxDuration\": 7}}}");

    FunctionsStep.Functions functions = build();

    assertEquals(List.of("api/hello", "api/items/[id]"), List.copyOf(functions.published().keySet()));
    Manifest.Function hello = functions.published().get("api/hello");
    assertEquals("nodejs20.x", hello.runtime());
    assertEquals("index.mjs", hello.handler());
    assertEquals(256, hello.memory());
    assertEquals(7, hello.maxDuration());
    String bundle = new String(blobs.openBlob(hello.files().get("index.mjs").sha256()).readAllBytes());
    assertTrue(bundle.contains("twice"), "the helper is bundled: " + bundle);
    assertFalse(bundle.contains(": number"), "TypeScript is compiled away");
    Manifest.Function python = functions.published().get("api/items/[id]");
    assertEquals("api/items/[id].py", python.handler());
    assertNotNull(python.files().get("helpers.py"), "the project's Python files come along");
    assertFalse(Files.exists(root.resolve("api")), "sources are never published as static files");
    assertTrue(Files.exists(root.resolve("index.html")));
    JsonNode routes = functions.routes(null);
    assertEquals("/api/items/[id]?id=$id", routes.at("/routes/1/dest").asText());
  }

  @Test
  void buildOutputFunctionsAreTakenAsTheyAre() throws Exception {
    write(".vercel/output/config.json", "{\"version\": 3}");
    write(".vercel/output/functions/a/b.func/.vc-config.json",
        "{\"runtime\": \"python3.11\", \"handler\": \"main.py\", \"environment\": {\"MODE\": \"x\"}}");
    write(".vercel/output/functions/a/b.func/main.py", "app = None\n");
    FunctionsStep.Functions functions = build();
    Manifest.Function function = functions.published().get("a/b");
    assertEquals("main.py", function.handler());
    assertEquals(Map.of("MODE", "x"), function.environment());
    assertTrue(functions.fromBuildOutput());
    assertEquals(null, functions.routes(null), "config.json is the routing as it is");
  }

  @Test
  void invalidFunctionsFailTheBuildWithAClearMessage() throws Exception {
    write(".vercel/output/config.json", "{\"version\": 3}");
    write(".vercel/output/functions/edge.func/.vc-config.json", "{\"runtime\": \"nodejs20.x\", \"entrypoint\": \"x\"}");
    BuildFailure failure = assertThrows(BuildFailure.class, this::build);
    assertTrue(failure.getMessage().contains("Function edge") && failure.getMessage().contains("handler"),
        failure.getMessage());
    write(".vercel/output/functions/edge.func/.vc-config.json", "{\"runtime\": \"edge\", \"handler\": \"x\"}");
    write(".vercel/output/functions/edge.func/x", "");
    failure = assertThrows(BuildFailure.class, this::build);
    assertTrue(failure.getMessage().contains("runtime 'edge'"), failure.getMessage());
    write(".vercel/output/functions/edge.func/.vc-config.json",
        "{\"runtime\": \"nodejs20.x\", \"handler\": \"x\", \"shouldAddHelpers\": \"no\"}");
    failure = assertThrows(BuildFailure.class, this::build);
    assertTrue(failure.getMessage().contains("\"shouldAddHelpers\" must be true or false"), failure.getMessage());
  }

  @Test
  void shouldAddHelpersIsKeptOnlyWhenFalse() throws Exception {
    write(".vercel/output/config.json", "{\"version\": 3}");
    write(".vercel/output/functions/plain.func/.vc-config.json",
        "{\"runtime\": \"nodejs20.x\", \"handler\": \"index.js\", \"shouldAddHelpers\": false}");
    write(".vercel/output/functions/plain.func/index.js", "");
    write(".vercel/output/functions/helped.func/.vc-config.json",
        "{\"runtime\": \"nodejs20.x\", \"handler\": \"index.js\", \"shouldAddHelpers\": true}");
    write(".vercel/output/functions/helped.func/index.js", "");
    Map<String, Manifest.Function> functions = build().published();
    assertEquals(Boolean.FALSE, functions.get("plain").shouldAddHelpers());
    assertEquals(null, functions.get("helped").shouldAddHelpers(), "true is the default, not stored");
  }

  @Test
  void twoFilesForOneFunctionAreRefused() throws Exception {
    write("api/a.js", "export default () => {}");
    write("api/a.py", "app = None");
    BuildFailure failure = assertThrows(BuildFailure.class, this::build);
    assertTrue(failure.getMessage().contains("api/a.js and api/a.py"), failure.getMessage());
  }
}
