package dev.ferry.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.output.BuildOutputConfig;
import dev.ferry.output.RoutesEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Step 4 of a build: which directory is published and which routing goes with it. */
class BuildOutputTest {

  @TempDir Path root;

  private Path dist() throws Exception {
    return Files.createDirectories(root.resolve("dist"));
  }

  @Test
  void withoutConfigurationTheOutputDirectoryIsPublishedWithNoRouting() throws Exception {
    Path dist = dist();
    BuildOutput.Resolved resolved = BuildOutput.resolve(root, () -> dist);
    assertEquals(dist, resolved.staticDir());
    assertNull(resolved.config());
  }

  @Test
  void vercelJsonIsCompiledIntoTheRouting() throws Exception {
    Path dist = dist();
    Files.writeString(root.resolve("vercel.json"), """
        {"cleanUrls": true, "redirects": [{"source": "/old", "destination": "/new"}], "regions": ["x"],
         "unknownKey": 1}""");
    BuildOutput.Resolved resolved = BuildOutput.resolve(root, () -> dist);
    assertEquals(dist, resolved.staticDir());
    assertEquals(3, resolved.config().get("version").asInt());
    assertTrue(resolved.config().get("routes").size() > 2, resolved.config().toString());
    assertTrue(resolved.source().startsWith("vercel.json"), resolved.source());
    assertEquals(1, resolved.warnings().size(), resolved.warnings().toString());
    // What is stored compiles on the edge.
    RoutesEngine.compile(BuildOutputConfig.parse(resolved.config().toString().getBytes()));
  }

  @Test
  void anInvalidVercelJsonFailsTheBuildNamingTheField() throws Exception {
    Path dist = dist();
    Files.writeString(root.resolve("vercel.json"), "{\"redirects\": [{\"source\": 5, \"destination\": \"/x\"}]}");
    BuildFailure failure = assertThrows(BuildFailure.class, () -> BuildOutput.resolve(root, () -> dist));
    assertTrue(failure.getMessage().startsWith("Invalid vercel.json: "), failure.getMessage());
    assertTrue(failure.getMessage().contains("/redirects/0/source"), failure.getMessage());
  }

  @Test
  void vercelJsonThatIsNotJsonFailsTheBuild() throws Exception {
    Path dist = dist();
    Files.writeString(root.resolve("vercel.json"), "{not json");
    BuildFailure failure = assertThrows(BuildFailure.class, () -> BuildOutput.resolve(root, () -> dist));
    assertTrue(failure.getMessage().contains("not valid JSON"), failure.getMessage());
  }

  @Test
  void aBuildOutputIsTakenAsItIsAndItsStaticDirectoryPublished() throws Exception {
    Path output = Files.createDirectories(root.resolve(".vercel/output/static"));
    Files.writeString(root.resolve(".vercel/output/config.json"), """
        {"version": 3, "routes": [{"src": "/a", "dest": "/b.html"}, {"handle": "filesystem"}]}""");
    // The output directory of the framework is not even looked for.
    BuildOutput.Resolved resolved = BuildOutput.resolve(root, () -> {
      throw new BuildFailure("not asked");
    });
    assertEquals(output, resolved.staticDir());
    assertEquals("/a", resolved.config().get("routes").get(0).get("src").asText());
    assertTrue(resolved.source().startsWith(".vercel/output/config.json"), resolved.source());
  }

  @Test
  void aBuildOutputWinsOverVercelJson() throws Exception {
    Files.createDirectories(root.resolve(".vercel/output"));
    Files.writeString(root.resolve(".vercel/output/config.json"), "{\"version\": 3}");
    Files.writeString(root.resolve("vercel.json"), "{\"cleanUrls\": 1}");
    BuildOutput.Resolved resolved = BuildOutput.resolve(root, () -> root);
    assertEquals(root.resolve(".vercel/output/static"), resolved.staticDir());
    assertTrue(Files.isDirectory(resolved.staticDir()));
  }

  @Test
  void anInvalidConfigJsonFailsTheBuildNamingTheRoute() throws Exception {
    Files.createDirectories(root.resolve(".vercel/output/static"));
    Files.writeString(root.resolve(".vercel/output/config.json"), """
        {"version": 3, "routes": [{"src": "/ok"}, {"src": "(unclosed"}]}""");
    BuildFailure failure = assertThrows(BuildFailure.class, () -> BuildOutput.resolve(root, () -> root));
    assertTrue(failure.getMessage().startsWith("Invalid .vercel/output/config.json: route 1"), failure.getMessage());
  }

  @Test
  void aConfigLinkedFromOutsideTheProjectIsRefused(@TempDir Path elsewhere) throws Exception {
    Path secret = Files.writeString(elsewhere.resolve("secret.json"), "{\"version\": 3}");
    Files.createDirectories(root.resolve(".vercel/output/static"));
    Files.createSymbolicLink(root.resolve(".vercel/output/config.json"), secret);
    BuildFailure failure = assertThrows(BuildFailure.class, () -> BuildOutput.resolve(root, () -> root));
    assertTrue(failure.getMessage().contains("outside the project"), failure.getMessage());
  }

  @Test
  void aStaticDirectoryLinkedFromOutsideTheProjectIsRefused(@TempDir Path elsewhere) throws Exception {
    Files.createDirectories(root.resolve(".vercel/output"));
    Files.writeString(root.resolve(".vercel/output/config.json"), "{\"version\": 3}");
    Files.createSymbolicLink(root.resolve(".vercel/output/static"), elsewhere);
    BuildFailure failure = assertThrows(BuildFailure.class, () -> BuildOutput.resolve(root, () -> root));
    assertTrue(failure.getMessage().contains("outside the project"), failure.getMessage());
  }
}
