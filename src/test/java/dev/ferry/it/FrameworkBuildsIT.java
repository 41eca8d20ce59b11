package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Real projects from npm's own templates, installed from the real npm registry and built by a real node, then served
 * by its edge: create-vite's React and Vue templates, a create-next-app static export, a create-next-app standalone
 * server (one catch-all function), and a static site without a package.json. The projects are generated into target/ by the test; nothing of them is committed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FrameworkBuildsIT {

  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(8);

  private Path work;
  private FerryProcess node;
  private ApiClient client;

  @BeforeAll
  void startNode() throws Exception {
    work = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "framework-builds").toAbsolutePath();
    node = new FerryProcess(work.resolve("data"), Map.of("FERRY_ALLOW_LOCAL_REPOS", "true"));
    node.start(); // assigned first: a node that does not get ready is still stopped after the tests
    client = new ApiClient(node.api(), node.edge());
    client.signUp("frameworks@example.com");
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void viteReactTemplateWithLockfileIsInstalledWithNpmCiAndServed() throws Exception {
    Path project = NpmTemplates.vite(work, "react-app", "react");
    NpmTemplates.lock(project);
    NpmTemplates.commitAll(project, "create-vite react");

    JsonNode deployment = deploy("react-app", project);

    assertEquals("vite", deployment.get("framework").asText());
    List<String> log = logTexts(deployment);
    assertTrue(log.contains("Running install command: npm ci"), log.toString());
    assertTrue(log.contains("Running build command: npm run build"), log.toString());
    assertServesBuiltAssets("react-app", "<div id=\"root\"></div>", ".js");
  }

  @Test
  void viteVueTemplateWithoutLockfileIsInstalledWithNpmInstallAndServed() throws Exception {
    Path project = NpmTemplates.vite(work, "vue-app", "vue");
    NpmTemplates.commitAll(project, "create-vite vue");

    JsonNode deployment = deploy("vue-app", project);

    assertEquals("vite", deployment.get("framework").asText());
    assertTrue(logTexts(deployment).contains("Running install command: npm install"));
    assertServesBuiltAssets("vue-app", "<div id=\"app\"></div>", ".js");
  }

  @Test
  void nextJsStaticExportIsServedFromOut() throws Exception {
    Path project = NpmTemplates.nextStaticExport(work, "next-app");
    NpmTemplates.commitAll(project, "create-next-app, static export");

    JsonNode deployment = deploy("next-app", project);

    assertEquals("nextjs", deployment.get("framework").asText());
    List<String> log = logTexts(deployment);
    assertTrue(log.contains("Publishing out/"), log.toString());
    assertServesBuiltAssets("next-app", "/_next/static/", ".js");
    ApiClient.Response notFound = client.edge("GET", "next-app.localhost", "/no-such-page");
    assertEquals(404, notFound.status());
    assertTrue(notFound.body().contains("404"), "Next's own 404 page");
  }

  @Test
  void nextJsStandaloneIsServedByOneCatchAllFunctionWithItsAssetsAsFiles() throws Exception {
    Path project = NpmTemplates.nextStandalone(work, "next-server");
    NpmTemplates.commitAll(project, "create-next-app, standalone, a dynamic page");

    // The home page comes from the function: its first start (Next's server, on a loaded machine) may fail or take
    // long; a correctness bound, not a timing.
    JsonNode deployment = deploy("next-server", project, Duration.ofSeconds(60));

    assertEquals("nextjs", deployment.get("framework").asText());
    assertTrue(logTexts(deployment).stream().anyMatch(line -> line.startsWith("Next.js standalone output")));
    // Rendered per request by the function: the request's own header, a new time each time.
    ApiClient.Response first = client.edge("GET", "next-server.localhost", "/now?from=it", "User-Agent", "first");
    ApiClient.Response second = client.edge("GET", "next-server.localhost", "/now", "User-Agent", "second");
    assertEquals(200, first.status(), first.body());
    assertEquals(200, second.status(), second.body());
    assertTrue(first.body().contains("<span id=\"agent\">first</span>"), first.body());
    assertTrue(second.body().contains("<span id=\"agent\">second</span>"), second.body());
    assertFalse(renderedAt(first).equals(renderedAt(second)), "rendered once per request");
    // The prerendered home page comes from the function too; its /_next/static assets and public/ are files.
    assertServesBuiltAssets("next-server", "/_next/static/", ".js");
    ApiClient.Response asset = client.edge("GET", "next-server.localhost", NpmTemplates.assets(
        client.edge("GET", "next-server.localhost", "/").body()).get(0));
    assertTrue(asset.header("Cache-Control").contains("immutable"), asset.header("Cache-Control"));
    ApiClient.Response svg = client.edge("GET", "next-server.localhost", "/next.svg");
    assertEquals(200, svg.status());
    assertTrue(svg.header("Content-Type").startsWith("image/svg+xml"), svg.header("Content-Type"));
    assertEquals(404, client.edge("GET", "next-server.localhost", "/no-such-page").status());
    // The runtime log lists every invocation of the function: the pages, never a static file.
    String id = deployment.get("id").asText();
    List<String> invocations = ApiClient.await(Duration.ofSeconds(10), () -> runtimeLogTexts(id),
        lines -> lines.stream().anyMatch(line -> line.startsWith("GET /no-such-page")));
    System.out.println("Next.js standalone function, runtime log: " + invocations);
    assertTrue(invocations.stream().anyMatch(line -> line.startsWith("GET /now → 200")), invocations.toString());
    assertFalse(invocations.stream().anyMatch(line -> line.contains("/_next/static/") || line.contains("next.svg")),
        invocations.toString());
  }

  private static String renderedAt(ApiClient.Response page) {
    java.util.regex.Matcher now = java.util.regex.Pattern.compile("<span id=\"now\">(\\d+)</span>")
        .matcher(page.body());
    assertTrue(now.find(), page.body());
    return now.group(1);
  }

  @Test
  void aPnpmLockfileIsInstalledWithPnpmThroughCorepack() throws Exception {
    assertBuiltWithItsPackageManager("pnpm-app", "pnpm@9.15.9", "pnpm install --frozen-lockfile");
  }

  @Test
  void aYarnLockfileIsInstalledWithYarnThroughCorepack() throws Exception {
    assertBuiltWithItsPackageManager("yarn-app", "yarn@1.22.22", "yarn install --frozen-lockfile");
  }

  /** The project's lockfile picks the install command; pnpm and yarn are not installed here, corepack runs them. */
  private void assertBuiltWithItsPackageManager(String name, String packageManager, String install) throws Exception {
    Path project = NpmTemplates.corepackProject(work, name, packageManager);
    NpmTemplates.commitAll(project, "a " + packageManager + " project with its lockfile");
    ApiClient.Response created = client.post("/api/v1/projects",
        "{\"name\": \"" + name + "\", \"gitRepoUrl\": \"" + project.toUri() + "\", \"outputDirectory\": \"dist\"}");
    assertEquals(201, created.status(), created.body());
    for (Map.Entry<String, String> variable : NpmTemplates.corepackEnv().entrySet()) {
      ApiClient.Response set = client.post("/api/v1/projects/" + name + "/env", """
          {"key": "%s", "value": "%s", "targets": ["production", "preview"], "type": "plain"}"""
          .formatted(variable.getKey(), variable.getValue()));
      assertEquals(201, set.status(), set.body());
    }

    JsonNode deployment = client.deployAndAwait(name, "{}", "READY", BUILD_TIMEOUT);

    List<String> log = logTexts(deployment);
    assertTrue(log.contains("Running install command: " + install), log.toString());
    ApiClient.Response page = ApiClient.await(Duration.ofSeconds(10),
        () -> client.edge("GET", name + ".localhost", "/"), response -> response.status() == 200);
    assertTrue(page.body().contains("<h1>Built with " + packageManager.split("@")[0] + "</h1>"), page.body());
  }

  @Test
  void aStaticSiteIsServedFromPublic() throws Exception {
    Path repo = work.resolve("static-site");
    Path publicDir = Files.createDirectories(repo.resolve("public/css")).getParent();
    Files.writeString(publicDir.resolve("index.html"), """
        <!doctype html><html><head><link rel="stylesheet" href="/css/site.css"></head>
        <body><h1>A static site</h1></body></html>
        """);
    Files.writeString(publicDir.resolve("css/site.css"), "h1 { color: rebeccapurple; }\n");
    Files.writeString(repo.resolve("README.md"), "Not published: public/ is.\n");
    NpmTemplates.commitAll(repo, "static site");

    JsonNode deployment = deploy("static-site", repo);

    assertEquals("static", deployment.get("framework").asText());
    assertServesBuiltAssets("static-site", "<h1>A static site</h1>", ".css");
    assertEquals(404, client.edge("GET", "static-site.localhost", "/README.md").status());
  }

  private JsonNode deploy(String name, Path repo) throws Exception {
    return deploy(name, repo, Duration.ofSeconds(10));
  }

  /** {@code firstServed}: how long the home page may take to answer 200 once the deployment is READY. */
  private JsonNode deploy(String name, Path repo, Duration firstServed) throws Exception {
    ApiClient.Response created = client.post("/api/v1/projects",
        "{\"name\": \"" + name + "\", \"gitRepoUrl\": \"" + repo.toUri() + "\"}");
    assertEquals(201, created.status(), created.body());
    JsonNode deployment = client.deployAndAwait(name, "{}", "READY", BUILD_TIMEOUT);
    ApiClient.await(firstServed, () -> client.edge("GET", name + ".localhost", "/").status(),
        status -> status == 200);
    return deployment;
  }

  /** The page contains what the template puts there, and every script or stylesheet it references is served. */
  private void assertServesBuiltAssets(String project, String marker, String assetSuffix) throws Exception {
    ApiClient.Response page = client.edge("GET", project + ".localhost", "/");
    assertEquals(200, page.status());
    assertTrue(page.body().contains(marker), page.body());
    List<String> assets = NpmTemplates.assets(page.body());
    assertTrue(assets.stream().anyMatch(asset -> asset.endsWith(assetSuffix)), "built assets referenced: " + assets);
    for (String asset : assets) {
      ApiClient.Response served = client.edge("GET", project + ".localhost", asset);
      assertEquals(200, served.status(), asset);
      assertFalse(served.body().isBlank(), asset);
      String type = served.header("Content-Type");
      assertTrue(type.startsWith(asset.endsWith(".css") ? "text/css" : "text/javascript")
          || type.startsWith("application/javascript"), asset + ": " + type);
    }
  }

  private List<String> logTexts(JsonNode deployment) throws Exception {
    return texts("/api/v1/deployments/" + deployment.get("id").asText() + "/logs");
  }

  private List<String> runtimeLogTexts(String deploymentId) throws Exception {
    return texts("/api/v1/deployments/" + deploymentId + "/logs?source=runtime");
  }

  private List<String> texts(String logPath) throws Exception {
    ApiClient.Response log = client.get(logPath);
    List<String> texts = new ArrayList<>();
    for (String line : log.body().split("\n")) {
      if (!line.isBlank()) {
        texts.add(ApiClient.JSON.readTree(line).get("text").asText());
      }
    }
    return texts;
  }
}
