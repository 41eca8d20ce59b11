package dev.ferry.it;

import static dev.ferry.it.ApiClient.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal as the audit trail, and as the source every read model can be rebuilt from: API actions by two users
 * (by session and by API token) replay in order with their actors and no secret values; the read models an
 * administrator drops and rebuilds come back equal to what they were.
 */
class AuditIT {

  private static final Duration SETTLED = Duration.ofSeconds(20);
  private static final String ADMIN = "root@example.com";
  private static final String SECRET = "s3cret-value-never-shown";
  private static final String PLAIN = "plain-value-kept-out-of-the-audit";

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
  void twoUsersActionsReplayInOrderAndRebuiltReadModelsEqualTheOriginals() throws Exception {
    node = new FerryProcess(temp.resolve("data"), Map.of("FERRY_ADMIN_EMAIL", ADMIN,
        "FERRY_ADMIN_PASSWORD", ApiClient.PASSWORD)).start();
    ApiClient alice = new ApiClient(node.api(), node.edge());
    String aliceId = alice.signUp("alice@example.com").at("/user/id").asText();
    ApiClient bob = new ApiClient(node.api(), node.edge());
    String bobId = bob.signUp("bob@example.com").at("/user/id").asText();

    assertEquals(201, alice.post("/api/v1/projects", "{\"name\": \"shop\"}").status());
    assertEquals(201, alice.post("/api/v1/projects/shop/env", "{\"key\": \"API_KEY\", \"value\": \"" + SECRET
        + "\", \"targets\": [\"production\"], \"type\": \"secret\"}").status());
    JsonNode token = alice.post("/api/v1/tokens", "{\"name\": \"ci\"}").json();
    ApiClient aliceCi = new ApiClient(node.api(), node.edge()).withToken(token.get("token").asText());
    assertEquals(201, aliceCi.post("/api/v1/projects/shop/env", "{\"key\": \"GREETING\", \"value\": \"" + PLAIN
        + "\", \"targets\": [\"preview\"], \"type\": \"plain\"}").status());
    String digest = aliceCi.upload("<h1>shop</h1>");
    JsonNode deployment = aliceCi.deployAndAwait("shop", "{\"target\": \"production\", \"files\": [{\"path\": "
        + "\"index.html\", \"sha256\": \"" + digest + "\", \"size\": 13}]}", "READY", Duration.ofSeconds(60));
    ApiClient.await(SETTLED, () -> alice.get("/api/v1/projects/shop").json(),
        p -> deployment.get("id").asText().equals(p.get("productionDeploymentId").asText()));

    // Bob cannot see or touch Alice's project; his own project is his.
    assertEquals(404, bob.get("/api/v1/projects/shop/events").status());
    assertEquals(404, bob.post("/api/v1/projects/shop/env", "{\"key\": \"X\", \"value\": \"y\", "
        + "\"targets\": [\"preview\"], \"type\": \"plain\"}").status());
    assertEquals(404, bob.get("/api/v1/deployments/" + deployment.get("id").asText() + "/events").status());
    assertEquals(201, bob.post("/api/v1/projects", "{\"name\": \"bobs\"}").status());
    assertEquals(200, alice.patch("/api/v1/projects/shop", "{\"buildCommand\": \"true\"}").status());
    JsonNode variables = alice.get("/api/v1/projects/shop/env").json();
    String apiKeyId = variables.at("/items/0/id").asText();
    assertEquals(204, alice.delete("/api/v1/projects/shop/env/" + apiKeyId).status());

    ApiClient.Response replay = alice.get("/api/v1/projects/shop/events");
    assertEquals(200, replay.status(), replay.body());
    String aliceToken = aliceId + "/" + token.get("id").asText();
    List<String> expected = List.of(
        "ProjectCreated USER " + aliceId,
        "EnvVarSet USER " + aliceId,
        "EnvVarSet API_TOKEN " + aliceToken,
        "DeploymentRequested API_TOKEN " + aliceToken,
        "ProductionPromoted SYSTEM auto-promotion",
        "SettingsChanged USER " + aliceId,
        "EnvVarRemoved USER " + aliceId);
    assertEquals(expected, actions(replay.json()), replay.body());
    long seq = 0;
    for (JsonNode item : replay.json().get("items")) {
      assertEquals(++seq, item.get("seq").asLong(), "in journal order, none left out");
    }
    assertFalse(replay.body().contains(SECRET) || replay.body().contains(PLAIN), replay.body());
    assertFalse(replay.body().contains(bobId), "Bob did nothing to this project");
    ApiClient.Response deploymentReplay = alice.get("/api/v1/deployments/" + deployment.get("id").asText()
        + "/events");
    assertEquals("DeploymentQueued API_TOKEN " + aliceToken, actions(deploymentReplay.json()).get(0));
    assertEquals(List.of("ProjectCreated USER " + bobId), actions(bob.get("/api/v1/projects/bobs/events").json()));

    // Rebuilding read models: only the administrator; what they list afterwards is what they listed before.
    ApiClient admin = new ApiClient(node.api(), node.edge());
    admin.withToken(admin.post("/api/v1/auth/login", "{\"email\": \"" + ADMIN + "\", \"password\": \""
        + ApiClient.PASSWORD + "\"}").json().get("accessToken").asText());
    assertProblem(alice.post("/api/v1/admin/read-models/project-views/rebuild", "{}"), 403, "administrator");
    assertProblem(admin.post("/api/v1/admin/read-models/no-such-thing/rebuild", "{}"), 404, "project-views");
    String aliceProjects = alice.get("/api/v1/projects").body();
    String bobProjects = bob.get("/api/v1/projects").body();
    String deployments = alice.get("/api/v1/projects/shop/deployments").body();
    String project = alice.get("/api/v1/projects/shop").body();
    for (String readModel : List.of("project-views", "deployment-views")) {
      ApiClient.Response rebuilt = admin.post("/api/v1/admin/read-models/" + readModel + "/rebuild", "{}");
      assertEquals(200, rebuilt.status(), rebuilt.body());
      assertEquals(readModel, rebuilt.json().get("projection").asText());
      assertTrue(rebuilt.json().get("events").asLong() > 0, rebuilt.body());
      assertTrue(rebuilt.json().has("durationMs"), rebuilt.body());
    }
    assertEquals(ApiClient.JSON.readTree(aliceProjects), alice.get("/api/v1/projects").json());
    assertEquals(ApiClient.JSON.readTree(bobProjects), bob.get("/api/v1/projects").json());
    assertEquals(ApiClient.JSON.readTree(deployments), alice.get("/api/v1/projects/shop/deployments").json());
    assertEquals(ApiClient.JSON.readTree(project), alice.get("/api/v1/projects/shop").json());
    assertTrue(node.log().contains("Rebuilt read model project-views"), "the node logs how long it took");

    // The same from the command line, as the administrator; others are refused.
    String adminToken = admin.post("/api/v1/auth/login", "{\"email\": \"" + ADMIN + "\", \"password\": \""
        + ApiClient.PASSWORD + "\"}").json().get("accessToken").asText();
    String[] cli = cli(adminToken, "admin", "rebuild-read-model", "deployment-views", "--json");
    assertEquals("0", cli[0], cli[2]);
    JsonNode rebuilt = ApiClient.JSON.readTree(cli[1]);
    assertEquals("deployment-views", rebuilt.get("projection").asText());
    assertTrue(rebuilt.get("events").asLong() > 0, cli[1]);
    String[] retention = cli(adminToken, "admin", "retention");
    assertEquals("0", retention[0], retention[2]);
    assertTrue(retention[1].startsWith("Expired 0 deployments"), retention[1]);
    String[] refused = cli(token.get("token").asText(), "admin", "retention");
    assertEquals("1", refused[0], refused[1]);
    assertTrue(refused[2].contains("administrator"), refused[2]);
    assertEquals(ApiClient.JSON.readTree(deployments), alice.get("/api/v1/projects/shop/deployments").json());
  }

  /** Runs the ferry CLI in this JVM with {@code token}: exit code, stdout, stderr. */
  private String[] cli(String token, String... args) throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    Path home = java.nio.file.Files.createDirectories(temp.resolve("cli-home"));
    dev.ferry.cli.CliEnvironment env = new dev.ferry.cli.CliEnvironment(Map.of("HOME", home.toString(),
        "XDG_CONFIG_HOME", home.resolve("xdg").toString(), "FERRY_API", node.api(), "FERRY_TOKEN", token), home,
        new java.io.ByteArrayInputStream(new byte[0]), new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
        new java.io.PrintStream(err, true, StandardCharsets.UTF_8), null);
    int exit = dev.ferry.cli.Cli.run(env, args);
    return new String[] {Integer.toString(exit), out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8)};
  }

  private static List<String> actions(JsonNode events) {
    List<String> actions = new ArrayList<>();
    events.get("items").forEach(item -> actions.add(item.get("type").asText() + " "
        + item.at("/actor/kind").asText() + " " + item.at("/actor/id").asText()));
    return actions;
  }

}
