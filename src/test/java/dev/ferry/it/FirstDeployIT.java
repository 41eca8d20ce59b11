package dev.ferry.it;

import static dev.ferry.it.ApiClient.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first path end to end, on a real node: a Git repository with a static site and a build command is deployed,
 * served by host name, promoted, rolled back, broken, and survives a hard kill of the node.
 */
class FirstDeployIT {

  private static final Duration BUILD_TIMEOUT = Duration.ofSeconds(90);

  @TempDir
  Path temp;

  private FerryProcess node;

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void deploysServesPromotesRollsBackAndSurvivesAKill() throws Exception {
    Path repo = temp.resolve("repo");
    Git git = initRepository(repo);
    commit(git, repo, "v1");

    node = new FerryProcess(temp.resolve("data"), Map.of("FERRY_ALLOW_LOCAL_REPOS", "true")).start();
    ApiClient client = new ApiClient(node.api(), node.edge());
    String token = client.signUp("owner@example.com").get("accessToken").asText();

    ApiClient.Response created = client.post("/api/v1/projects", """
        {"name": "site", "gitRepoUrl": "%s", "buildCommand": "sh build.sh", "outputDirectory": "dist"}
        """.formatted(repo.toUri()));
    assertEquals(201, created.status(), created.body());
    JsonNode project = created.json();
    assertEquals("site", project.get("name").asText());
    assertEquals("main", project.get("gitBranch").asText());
    assertTrue(project.get("productionDeploymentId").isNull());

    // First deployment on the production branch: becomes production by itself.
    JsonNode first = deployAndAwait(client, "site", "{}", "READY");
    assertEquals("production", first.get("target").asText());
    assertEquals(40, first.at("/source/commitSha").asText().length());
    String firstHost = "site-" + first.get("id").asText() + ".localhost";
    assertTrue(first.get("url").asText().startsWith("http://" + firstHost));
    awaitServed(client, "site.localhost", "v1");

    ApiClient.Response page = client.edge("GET", firstHost, "/");
    assertEquals(200, page.status());
    assertTrue(page.body().contains("Hello v1"), page.body());
    assertEquals("text/html; charset=UTF-8", page.header("Content-Type"));
    assertTrue(client.edge("GET", "site.localhost", "/about/").body().contains("About v1"));
    assertTrue(client.edge("GET", "site.localhost", "/about").body().contains("About v1"));
    assertTrue(client.edge("GET", "site.localhost", "/style.css").header("Content-Type").startsWith("text/css"));
    assertEquals("built by the build command\n", client.edge("GET", "site.localhost", "/built.txt").body());

    String etag = page.header("ETag");
    assertNotNull(etag);
    assertEquals(304, client.edge("GET", firstHost, "/", "If-None-Match", etag).status());
    ApiClient.Response head = client.edge("HEAD", firstHost, "/");
    assertEquals(200, head.status());
    assertEquals("", head.body());
    assertEquals(etag, head.header("ETag"));

    ApiClient.Response missing = client.edge("GET", "site.localhost", "/nope");
    assertEquals(404, missing.status());
    assertTrue(missing.body().contains("Custom 404"), missing.body());
    assertEquals(404, client.edge("GET", "nothing-here.localhost", "/").status());
    assertEquals(400, client.edge("GET", "site.localhost", "/../etc/passwd").status());
    assertEquals(400, client.edge("GET", "site.localhost", "/%2e%2e/secret").status());

    String log = client.get("/api/v1/deployments/" + first.get("id").asText() + "/logs").body();
    assertTrue(log.contains("\"stream\":\"stdout\"") && log.contains("building v1"), log);

    String socketLog = client.webSocketText("/api/v1/deployments/" + first.get("id").asText() + "/logs/ws");
    assertTrue(socketLog.contains("building v1") && socketLog.contains("\"seq\":1,"), socketLog);

    // Replaying the journals is the audit trail: who did what, when.
    JsonNode projectEvents = client.get("/api/v1/projects/site/events").json();
    assertEquals(List.of("ProjectCreated", "DeploymentRequested", "ProductionPromoted"),
        types(projectEvents));
    assertEquals("USER", projectEvents.at("/items/0/actor/kind").asText());
    assertEquals("AUTO", projectEvents.at("/items/2/data/reason").asText());
    assertEquals("[redacted]", projectEvents.at("/items/0/data/dataKey").asText());
    JsonNode deploymentEvents = client.get("/api/v1/deployments/" + first.get("id").asText() + "/events").json();
    assertEquals(List.of("DeploymentQueued", "BuildStarted", "SourceResolved", "PublishingStarted",
        "DeploymentReady"), types(deploymentEvents));
    JsonNode paged = client.get("/api/v1/deployments/" + first.get("id").asText() + "/events?limit=2&fromSeq=2")
        .json();
    assertEquals(List.of("BuildStarted", "SourceResolved"), types(paged));
    assertEquals("4", paged.get("next").asText());

    String metrics = client.get("/metrics").body();
    for (String metric : List.of("ferry_api_requests_seconds_count{method=\"POST\",resource=\"projects\",status=\"2xx\"}",
        "ferry_deployments{state=\"READY\"} 1.0", "ferry_route_table_hosts ", "ferry_projection_offset{",
        "ferry_journal_head", "jvm_memory_used_bytes")) {
      assertTrue(metrics.contains(metric), metric + " in\n" + metrics);
    }

    // A second deployment takes over production; rollback and promote move only the pointer.
    commit(git, repo, "v2");
    JsonNode second = deployAndAwait(client, "site", "{\"ref\": \"main\"}", "READY");
    awaitServed(client, "site.localhost", "v2");

    ApiClient.Response rolledBack = client.post("/api/v1/projects/site/rollback", "{}");
    assertEquals(200, rolledBack.status(), rolledBack.body());
    assertEquals(first.get("id").asText(), rolledBack.json().get("productionDeploymentId").asText());
    awaitServed(client, "site.localhost", "v1");
    assertTrue(client.edge("GET", "site-" + second.get("id").asText() + ".localhost", "/").body()
        .contains("Hello v2"), "the immutable URL of the newer deployment keeps serving it");

    ApiClient.Response promoted = client.post("/api/v1/projects/site/promote",
        "{\"deploymentId\": \"" + second.get("id").asText() + "\"}");
    assertEquals(200, promoted.status(), promoted.body());
    assertEquals(second.get("id").asText(), promoted.json().get("productionDeploymentId").asText());
    awaitServed(client, "site.localhost", "v2");

    // A failing build ends in ERROR with the command's output in the log; production keeps serving.
    assertEquals(200, client.patch("/api/v1/projects/site",
        "{\"buildCommand\": \"echo the build broke >&2; exit 3\"}").status());
    JsonNode failed = deployAndAwait(client, "site", "{}", "ERROR");
    assertTrue(failed.get("errorMessage").asText().contains("exit code 3"), failed.toString());
    String failedLog = client.get("/api/v1/deployments/" + failed.get("id").asText() + "/logs").body();
    assertTrue(failedLog.contains("the build broke"), failedLog);
    assertTrue(failedLog.contains("\"stream\":\"stderr\""), failedLog);
    assertTrue(client.edge("GET", "site.localhost", "/").body().contains("Hello v2"));
    assertEquals(second.get("id").asText(),
        client.get("/api/v1/projects/site").json().get("productionDeploymentId").asText());

    // Killed hard and started again on the same data directory: nothing is lost.
    node.kill();
    node = node.restarted().start();
    client = new ApiClient(node.api(), node.edge()).withToken(token);
    JsonNode afterRestart = client.get("/api/v1/deployments/" + first.get("id").asText()).json();
    assertEquals("READY", afterRestart.get("state").asText());
    assertEquals(first.at("/source/commitSha").asText(), afterRestart.at("/source/commitSha").asText());
    assertEquals("ERROR", client.get("/api/v1/deployments/" + failed.get("id").asText()).json()
        .get("state").asText());
    awaitServed(client, "site.localhost", "v2");
    assertTrue(client.edge("GET", firstHost, "/").body().contains("Hello v1"));
    JsonNode list = client.get("/api/v1/projects/site/deployments").json();
    assertEquals(3, list.get("items").size(), list.toString());
    assertEquals(failed.get("id").asText(), list.get("items").get(0).get("id").asText());
    assertNull(list.get("next").textValue());
  }

  @Test
  void badInputIsAClearErrorAndPersistsNothing() throws Exception {
    node = new FerryProcess(temp.resolve("data"), Map.of()).start();
    ApiClient client = new ApiClient(node.api(), node.edge());
    client.signUp("careful@example.com");

    assertProblem(client.post("/api/v1/projects", "{\"name\": "), 400, "Malformed JSON");
    assertProblem(client.post("/api/v1/projects", "{\"name\": 42}"), 400, "invalid fields");
    assertProblem(client.post("/api/v1/projects", "{\"name\": \"Not A Label\"}"), 400, "invalid fields");
    assertProblem(client.post("/api/v1/projects", "{\"name\": \"ok\", \"colour\": \"blue\"}"), 400, "invalid");
    assertProblem(client.post("/api/v1/projects", "{\"name\": \"-bad\"}"), 400, "invalid fields");
    assertProblem(client.post("/api/v1/projects", "[1, 2]"), 400, "JSON object");
    assertProblem(client.post("/api/v1/projects",
        "{\"name\": \"local\", \"gitRepoUrl\": \"file:///etc\"}"), 400, "invalid fields");
    assertEquals(0, client.get("/api/v1/projects").json().get("items").size());

    assertEquals(201, client.post("/api/v1/projects", "{\"name\": \"taken\"}").status());
    assertProblem(client.post("/api/v1/projects", "{\"name\": \"taken\"}"), 409, "already taken");
    assertProblem(client.post("/api/v1/projects/unknown/deployments", "{}"), 404, "not found");
    assertProblem(client.get("/api/v1/deployments/doesnotexist"), 404, "not found");
    assertProblem(client.post("/api/v1/projects/taken/deployments", "{}"), 422, "no Git repository");
    assertProblem(client.post("/api/v1/projects/taken/deployments", "{\"target\": \"staging\"}"), 400, "invalid");
    assertProblem(client.get("/api/v1/projects?limit=1000"), 400, "limit");

    // Read models trail the journal; once the good project shows, the rejected ones would have shown before it.
    JsonNode list = ApiClient.await(Duration.ofSeconds(10), () -> client.get("/api/v1/projects").json(),
        projects -> projects.get("items").size() >= 1);
    assertEquals(1, list.get("items").size(), list.toString());
    assertEquals("taken", list.get("items").get(0).get("name").asText());
    assertEquals(0, client.get("/api/v1/projects/taken/deployments").json().get("items").size());
  }

  private static List<String> types(JsonNode events) {
    List<String> types = new java.util.ArrayList<>();
    events.get("items").forEach(item -> types.add(item.get("type").asText()));
    return types;
  }

  private static JsonNode deployAndAwait(ApiClient client, String project, String body, String state)
      throws Exception {
    return client.deployAndAwait(project, body, state, BUILD_TIMEOUT);
  }

  private static void awaitServed(ApiClient client, String host, String version) throws Exception {
    ApiClient.await(Duration.ofSeconds(10), () -> client.edge("GET", host, "/").body(),
        body -> body.contains("Hello " + version));
  }

  private static Git initRepository(Path repo) throws Exception {
    Files.createDirectories(repo);
    return Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call();
  }

  /** A small site whose build copies it into dist/ and adds a file of its own. */
  private static void commit(Git git, Path repo, String version) throws Exception {
    Files.createDirectories(repo.resolve("site/about"));
    Files.writeString(repo.resolve("site/index.html"),
        "<!doctype html><html><body><h1>Hello " + version + "</h1></body></html>\n");
    Files.writeString(repo.resolve("site/about/index.html"), "<p>About " + version + "</p>\n");
    Files.writeString(repo.resolve("site/style.css"), "h1 { color: teal; }\n");
    Files.writeString(repo.resolve("site/404.html"), "<p>Custom 404</p>\n");
    Files.writeString(repo.resolve("build.sh"), """
        echo "building %s"
        rm -rf dist && mkdir -p dist && cp -R site/. dist/
        echo "built by the build command" > dist/built.txt
        """.formatted(version));
    git.add().addFilepattern(".").call();
    git.commit().setMessage("Site " + version).setAuthor("Dev", "dev@example.com")
        .setCommitter("Dev", "dev@example.com").call();
  }
}
