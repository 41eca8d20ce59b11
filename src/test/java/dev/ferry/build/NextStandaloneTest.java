package dev.ferry.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.functions.FunctionsStep;
import dev.ferry.storage.FileSystemBlobStore;
import dev.ferry.storage.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Next.js standalone build's files as {@code next build} leaves them, turned into a Build Output and then taken by
 * the same steps as any Build Output (routing, functions published into a real blob store).
 */
class NextStandaloneTest {

  @TempDir
  Path temp;

  private Path root;
  private final List<String> log = new ArrayList<>();

  @BeforeEach
  void standaloneBuild() throws Exception {
    root = Files.createDirectories(temp.resolve("work/src"));
    write(".next/standalone/server.js", "require('next')\n");
    write(".next/standalone/node_modules/next/package.json", "{\"name\": \"next\"}");
    write(".next/standalone/.next/BUILD_ID", "abc");
    write(".next/static/chunks/app-1a2b.js", "console.log(1)");
    write(".next/server/app/index.html", "<p>not published as a file</p>");
    write("public/logo.svg", "<svg/>");
  }

  private void write(String path, String content) throws Exception {
    Files.createDirectories(root.resolve(path).getParent());
    Files.writeString(root.resolve(path), content);
  }

  @Test
  void theServerBecomesOneCatchAllFunctionAndTheAssetsBecomeFiles() throws Exception {
    NextStandalone.convert(root, (stream, text) -> log.add(text));

    Path output = root.resolve(".vercel/output");
    assertTrue(Files.isRegularFile(output.resolve("static/_next/static/chunks/app-1a2b.js")));
    assertTrue(Files.isRegularFile(output.resolve("static/logo.svg")));
    assertFalse(Files.exists(output.resolve("static/server.js")));
    Path function = output.resolve("functions/_ferry/next-server.func");
    assertTrue(Files.isRegularFile(function.resolve("server.js")));
    assertTrue(Files.isRegularFile(function.resolve(".next/BUILD_ID")));
    assertTrue(Files.readString(function.resolve(NextStandalone.HANDLER)).contains("server.js"));

    BuildOutput.Resolved built = BuildOutput.resolve(root, () -> {
      throw new BuildFailure("a Build Output needs no output directory");
    });
    assertEquals(output.resolve("static"), built.staticDir());
    JsonNode routes = built.config().get("routes");
    assertEquals("^/_next/static/(?:.*)$", routes.get(0).get("src").asText());
    assertTrue(routes.get(0).get("headers").get("cache-control").asText().contains("immutable"));
    assertEquals("filesystem", routes.get(1).get("handle").asText());
    assertEquals("/_ferry/next-server", routes.get(2).get("dest").asText());
    assertEquals(3, routes.size());

    FunctionsStep.Functions functions = FunctionsStep.build(root, temp.resolve("work"),
        new FileSystemBlobStore(temp.resolve("blobs")), (stream, text) -> log.add(text), (step, command, dir) -> {
          throw new BuildFailure("no command runs for a Build Output");
        });
    assertTrue(functions.fromBuildOutput());
    Manifest.Function server = functions.published().get(NextStandalone.FUNCTION);
    assertEquals(NextStandalone.HANDLER, server.handler());
    assertEquals(Boolean.FALSE, server.shouldAddHelpers(), "the request reaches Next untouched");
    assertTrue(server.files().containsKey("node_modules/next/package.json"));
    assertTrue(server.runtime().startsWith("nodejs"));
  }

  @Test
  void vercelJsonRoutesComeBeforeTheCatchAll() throws Exception {
    write("vercel.json", "{\"redirects\": [{\"source\": \"/old\", \"destination\": \"/new\"}],"
        + " \"rewrites\": [{\"source\": \"/blog/:slug\", \"destination\": \"/posts/:slug\"}]}");

    NextStandalone.convert(root, (stream, text) -> log.add(text));

    List<String> routes = new ArrayList<>();
    BuildOutput.resolve(root, () -> null).config().get("routes").forEach(route -> routes.add(route.toString()));
    int redirect = indexOf(routes, "/old");
    int filesystem = indexOf(routes, "\"filesystem\"");
    int rewrite = indexOf(routes, "/posts/");
    int catchAll = indexOf(routes, "/_ferry/next-server");
    assertTrue(redirect < filesystem && filesystem < rewrite && rewrite < catchAll, routes.toString());
    assertEquals(routes.size() - 1, catchAll, routes.toString());
  }

  @Test
  void anInvalidVercelJsonFailsTheBuild() throws Exception {
    write("vercel.json", "{\"redirects\": 3}");
    BuildFailure failure = assertThrows(BuildFailure.class,
        () -> NextStandalone.convert(root, (stream, text) -> log.add(text)));
    assertTrue(failure.getMessage().startsWith("Invalid vercel.json"), failure.getMessage());
  }

  @Test
  void aBuildOutputOfTheBuildsOwnIsLeftAlone() throws Exception {
    write(".vercel/output/config.json", "{\"version\": 3}");
    assertFalse(NextStandalone.applies(root));
    NextStandalone.convert(root, (stream, text) -> log.add(text));
    assertEquals("{\"version\": 3}", Files.readString(root.resolve(".vercel/output/config.json")));
    assertTrue(Files.isRegularFile(root.resolve(".next/standalone/server.js")));
  }

  @Test
  void withoutAStandaloneServerNothingHappens() throws Exception {
    Files.delete(root.resolve(".next/standalone/server.js"));
    NextStandalone.convert(root, (stream, text) -> log.add(text));
    assertFalse(Files.exists(root.resolve(".vercel")));
  }

  private static int indexOf(List<String> routes, String part) {
    for (int i = 0; i < routes.size(); i++) {
      if (routes.get(i).contains(part)) {
        return i;
      }
    }
    throw new AssertionError(part + " not in " + routes);
  }
}
