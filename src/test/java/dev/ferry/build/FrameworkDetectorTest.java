package dev.ferry.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.build.FrameworkDetector.Detection;
import dev.ferry.build.FrameworkDetector.PackageManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FrameworkDetectorTest {

  @TempDir
  Path root;

  static Stream<Arguments> frameworks() {
    return Stream.of(
        Arguments.of("next", "nextjs", "npx next build", "out"),
        Arguments.of("nuxt", "nuxtjs", "npx nuxt generate", ".output/public"),
        Arguments.of("@sveltejs/kit", "sveltekit", "npx vite build", "build"),
        Arguments.of("astro", "astro", "npx astro build", "dist"),
        Arguments.of("gatsby", "gatsby", "npx gatsby build", "public"),
        Arguments.of("react-scripts", "create-react-app", "npx react-scripts build", "build"),
        Arguments.of("@vue/cli-service", "vue", "npx vue-cli-service build", "dist"),
        Arguments.of("vite", "vite", "npx vite build", "dist"));
  }

  @ParameterizedTest
  @MethodSource("frameworks")
  void recognisesFrameworksByTheirDependencyWithVercelsDefaults(String dependency, String framework,
      String build, String output) throws Exception {
    write("package.json", "{\"devDependencies\": {\"" + dependency + "\": \"^1.0.0\"}}");

    Detection detection = FrameworkDetector.detect(root);

    assertEquals(framework, detection.framework());
    assertEquals(build, detection.buildCommand());
    assertEquals(output, detection.outputDirectory());
    assertEquals("npm install", detection.installCommand());
  }

  @Test
  void theMostSpecificFrameworkWinsOverTheBundlerItUses() throws Exception {
    write("package.json", "{\"dependencies\": {\"vite\": \"5\", \"@sveltejs/kit\": \"2\"}}");
    assertEquals("sveltekit", FrameworkDetector.detect(root).framework());
  }

  @Test
  void theProjectsOwnBuildScriptIsRunWithItsPackageManager() throws Exception {
    write("package.json", "{\"scripts\": {\"build\": \"vite build --mode prod\"}, \"devDependencies\": {\"vite\": \"5\"}}");
    write("pnpm-lock.yaml", "lockfileVersion: '9.0'\n");

    Detection detection = FrameworkDetector.detect(root);

    assertEquals("pnpm run build", detection.buildCommand());
    assertEquals("pnpm install --frozen-lockfile", detection.installCommand());
    assertEquals(PackageManager.PNPM, detection.packageManager());
  }

  @Test
  void lockfilesPickThePackageManager() throws Exception {
    write("package.json", "{}");
    write("yarn.lock", "");
    assertEquals("yarn install --frozen-lockfile", FrameworkDetector.detect(root).installCommand());
    Files.delete(root.resolve("yarn.lock"));
    write("package-lock.json", "{}");
    assertEquals("npm ci", FrameworkDetector.detect(root).installCommand());
  }

  @Test
  void thePackageManagerFieldWinsOverLockfiles() throws Exception {
    write("package.json", "{\"packageManager\": \"yarn@4.1.0\"}");
    write("package-lock.json", "{}");
    assertEquals(PackageManager.YARN, FrameworkDetector.detect(root).packageManager());
  }

  @Test
  void nuxtTwoGeneratesIntoDist() throws Exception {
    write("package.json", "{\"dependencies\": {\"nuxt\": \"2\"}}");
    write("nuxt.config.js", "export default {}");
    assertEquals("dist", FrameworkDetector.detect(root).outputDirectory());
  }

  @Test
  void hugoSitesAreRecognisedByTheirConfig() throws Exception {
    write("hugo.toml", "baseURL = '/'");
    Detection detection = FrameworkDetector.detect(root);
    assertEquals("hugo", detection.framework());
    assertEquals("public", detection.outputDirectory());
  }

  @Test
  void plainFilesAreStaticServedFromPublicWhenThereIsOne() throws Exception {
    write("index.html", "<h1>hi</h1>");
    Detection plain = FrameworkDetector.detect(root);
    assertEquals("static", plain.framework());
    assertNull(plain.buildCommand());
    assertEquals(".", plain.outputDirectory());

    Files.createDirectories(root.resolve("public"));
    assertEquals("public", FrameworkDetector.detect(root).outputDirectory());
  }

  @Test
  void aNodeProjectWithoutAFrameworkRunsItsBuildScript() throws Exception {
    write("package.json", "{\"scripts\": {\"build\": \"node build.js\"}}");
    Detection detection = FrameworkDetector.detect(root);
    assertEquals("node", detection.framework());
    assertEquals("npm run build", detection.buildCommand());
  }

  @Test
  void brokenPackageJsonIsABuildFailureWithTheReason() throws Exception {
    write("package.json", "{ not json");
    BuildFailure failure = assertThrows(BuildFailure.class, () -> FrameworkDetector.detect(root));
    assertTrue(failure.getMessage().startsWith("package.json is not valid JSON"), failure.getMessage());
  }

  static Stream<Arguments> fixtures() throws Exception {
    try (var in = FrameworkDetectorTest.class.getResourceAsStream("/build/framework-fixtures.json")) {
      JsonNode cases = new ObjectMapper().readTree(in);
      List<Arguments> arguments = new ArrayList<>();
      cases.forEach(fixture -> arguments.add(Arguments.of(fixture.get("name").asText(), fixture)));
      return arguments.stream();
    }
  }

  /** Every framework DESIGN.md lists, from the files its own template or starter writes, with Vercel's defaults. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void detectsEachListedFrameworkFromItsStarterFiles(String name, JsonNode fixture) throws Exception {
    var files = fixture.get("files").fields();
    while (files.hasNext()) {
      var file = files.next();
      Path path = root.resolve(file.getKey());
      Files.createDirectories(path.getParent());
      Files.writeString(path, file.getValue().isTextual() ? file.getValue().asText() : file.getValue().toString());
    }

    Detection detection = FrameworkDetector.detect(root);

    JsonNode expect = fixture.get("expect");
    assertEquals(expect.get("framework").asText(), detection.framework(), name);
    assertEquals(expect.get("install").isNull() ? null : expect.get("install").asText(), detection.installCommand());
    assertEquals(expect.get("build").isNull() ? null : expect.get("build").asText(), detection.buildCommand());
    assertEquals(expect.get("output").asText(), detection.outputDirectory());
  }

  private void write(String name, String content) throws Exception {
    Files.writeString(root.resolve(name), content);
  }
}
