package dev.ferry.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.it.ApiClient;
import dev.ferry.it.FerryProcess;
import dev.ferry.it.NpmTemplates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;

/**
 * Builds of create-vite's React template on a real node (package first: {@code mvn -q -DskipTests package}, then
 * {@code mvn -Pbench test -Dtest=BuildBench}): the cold build (empty cache, dependencies downloaded from the npm
 * registry) against the warm one (same lockfile: node_modules from the build cache), and the publish of the first
 * deployment against a redeploy with one changed source file. Goals: warm ≤ 0.4 × cold; redeploy upload ≤ 0.1 ×
 * first. (How soon log lines reach followers: LiveLogBench.)
 */
class BuildBench {

  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);
  private static final Pattern PUBLISHED = Pattern.compile(
      "Published (\\d+) files \\((\\d+) bytes; uploaded (\\d+) new blobs, (\\d+) bytes\\) in ([0-9.]+)s");

  @Test
  void viteReactColdWarmAndRedeploy() throws Exception {
    Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "build-bench").toAbsolutePath();
    Path project = NpmTemplates.vite(work, "react-app", "react");
    NpmTemplates.lock(project);
    Git git = NpmTemplates.commitAll(project, "create-vite react");
    try (FerryProcess node = new FerryProcess(work.resolve("data"), Map.of("FERRY_ALLOW_LOCAL_REPOS", "true"))) {
      node.start();
      ApiClient client = new ApiClient(node.api(), node.edge());
      client.signUp("bench@example.com");
      assertEquals(201, client.post("/api/v1/projects",
          "{\"name\": \"react-app\", \"gitRepoUrl\": \"" + project.toUri() + "\"}").status());

      Build cold = build(client);
      Build warm = build(client);
      assertTrue(warm.log().contains("Skipping the install command: dependencies restored from the build cache"));

      // One changed stylesheet: Vite rewrites that CSS file and index.html; the script bundle stays the same.
      Build styled = change(client, git, project, "src/App.css", ".counter {", ".counter { letter-spacing: 1px;");
      // One changed component: the one script bundle (React included) is rebuilt under a new name.
      Build edited = change(client, git, project, "src/App.jsx", "Get started", "Get started on Ferry");

      System.out.printf(Locale.ROOT, "%nBuildBench, create-vite React template (%s), 2-core machine%n",
          NpmTemplates.CREATE_VITE);
      System.out.printf(Locale.ROOT, "  cold build   %6.1f s  (source %s, install %s, build %s)%n", cold.seconds(),
          cold.phase("Source ready in "), cold.phase("Install finished in "), cold.phase("Build finished in "));
      System.out.printf(Locale.ROOT, "  warm build   %6.1f s  (install skipped: cache hit; build %s)%n",
          warm.seconds(), warm.phase("Build finished in "));
      System.out.printf(Locale.ROOT, "  warm / cold  %6.2f    (goal <= 0.40)%n", warm.seconds() / cold.seconds());
      System.out.printf(Locale.ROOT, "  publish, first deploy        %s%n", cold.published());
      System.out.printf(Locale.ROOT, "  publish, src/App.css changed %s%n", styled.published());
      System.out.printf(Locale.ROOT, "  publish, src/App.jsx changed %s%n", edited.published());
      for (Build redeploy : List.of(styled, edited)) {
        System.out.printf(Locale.ROOT, "  %s / first: uploaded bytes %.3f, blobs %.3f, publish time %.2f "
            + "(goal <= 0.10)%n", redeploy == styled ? "App.css" : "App.jsx",
            ratio(redeploy, cold, 4), ratio(redeploy, cold, 3), ratio(redeploy, cold, 5));
      }
      System.out.println();
    }
  }

  private static Build change(ApiClient client, Git git, Path project, String file, String from, String to)
      throws Exception {
    Path path = project.resolve(file);
    String content = Files.readString(path);
    assertTrue(content.contains(from), file + " has " + from);
    Files.writeString(path, content.replace(from, to));
    git.add().addFilepattern(".").call();
    git.commit().setMessage("change " + file).setAuthor("Dev", "dev@example.com")
        .setCommitter("Dev", "dev@example.com").setSign(false).call();
    return build(client);
  }

  private record Build(double seconds, List<String> log) {
    String phase(String prefix) {
      return log.stream().filter(line -> line.startsWith(prefix)).map(line -> line.substring(prefix.length()))
          .findFirst().orElse("-");
    }

    String published() {
      return log.stream().filter(line -> line.startsWith("Published ")).findFirst().orElse("-");
    }

    double group(int group) {
      Matcher matcher = PUBLISHED.matcher(published());
      return matcher.find() ? Double.parseDouble(matcher.group(group)) : Double.NaN;
    }
  }

  private static double ratio(Build redeploy, Build first, int group) {
    return redeploy.group(group) / first.group(group);
  }

  /** Deploys the project's branch and waits for READY: the time is the build's, from request to ready. */
  private static Build build(ApiClient client) throws Exception {
    long start = System.nanoTime();
    JsonNode deployment = client.deployAndAwait("react-app", "{}", "READY", BUILD_TIMEOUT);
    double seconds = (System.nanoTime() - start) / 1e9;
    List<String> log = new ArrayList<>();
    for (String line : client.get("/api/v1/deployments/" + deployment.get("id").asText() + "/logs").body()
        .split("\n")) {
      if (!line.isBlank()) {
        log.add(ApiClient.JSON.readTree(line).get("text").asText());
      }
    }
    return new Build(seconds, log);
  }
}
