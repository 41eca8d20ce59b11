package dev.ferry.it;

import static dev.ferry.it.ApiClient.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.db.Database;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Environment variables end to end, on a real node: secret and plain variables are set over the API, a build
 * receives them while its log shows the secret only masked, another user cannot see any of it, the master key is
 * rotated offline and the node keeps decrypting after a restart — and afterwards neither the database (every
 * column of every table, the journal's and snapshots' binary payloads included) nor any file in the data directory
 * nor the node's own log holds the secret's plaintext.
 */
class SecretsIT {

  private static final Duration BUILD_TIMEOUT = Duration.ofSeconds(90);
  private static final String PROJECT = "vault-app";

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
  void secretsAreSealedMaskedScopedToTheirOwnerAndSurviveAMasterKeyRotation() throws Exception {
    Path repo = temp.resolve("repo");
    commitSite(repo);
    String secret = "s3cr3t-" + UUID.randomUUID();
    String plain = "plain-" + UUID.randomUUID();

    node = new FerryProcess(temp.resolve("data"), Map.of("FERRY_ALLOW_LOCAL_REPOS", "true")).start();
    ApiClient owner = new ApiClient(node.api(), node.edge());
    String token = owner.signUp("vault-owner@example.com").get("accessToken").asText();
    ApiClient.Response created = owner.post("/api/v1/projects", """
        {"name": "%s", "gitRepoUrl": "%s", "buildCommand": "sh build.sh", "outputDirectory": "dist"}
        """.formatted(PROJECT, repo.toUri()));
    assertEquals(201, created.status(), created.body());
    String projectId = created.json().get("id").asText();
    String env = "/api/v1/projects/" + PROJECT + "/env";

    // Set: a secret answers without its value, a plain one with it.
    ApiClient.Response secretSet = owner.post(env, """
        {"key": "MY_SECRET", "value": "%s", "targets": ["production", "preview"], "type": "secret"}
        """.formatted(secret));
    assertEquals(201, secretSet.status(), secretSet.body());
    JsonNode secretVar = secretSet.json();
    assertEquals("MY_SECRET", secretVar.get("key").asText());
    assertEquals("secret", secretVar.get("type").asText());
    assertTrue(secretVar.get("buildTime").asBoolean());
    assertEquals(List.of("production", "preview"), strings(secretVar.get("targets")));
    assertTrue(secretVar.get("id").asText().startsWith("env_"), secretVar.toString());
    assertTrue(secretVar.hasNonNull("createdAt"));
    assertFalse(secretVar.has("value"));
    assertFalse(secretSet.body().contains(secret));

    ApiClient.Response plainSet = owner.post(env, """
        {"key": "PLAIN_VAR", "value": "%s", "targets": ["production"], "type": "plain"}""".formatted(plain));
    assertEquals(201, plainSet.status(), plainSet.body());
    String plainId = plainSet.json().get("id").asText();
    assertEquals(plain, plainSet.json().get("value").asText());
    assertEquals(201, owner.post(env, """
        {"key": "PREVIEW_ONLY", "value": "preview value", "targets": ["preview"], "type": "plain"}""").status());
    ApiClient.Response runtimeOnly = owner.post(env, """
        {"key": "RUNTIME_ONLY", "value": "runtime value", "targets": ["production"], "type": "plain",
         "buildTime": false}""");
    assertEquals(201, runtimeOnly.status(), runtimeOnly.body());
    assertFalse(runtimeOnly.json().get("buildTime").asBoolean());

    // One value per key and target; bad input is a 400 with field errors.
    assertProblem(owner.post(env, """
        {"key": "MY_SECRET", "value": "x", "targets": ["preview", "development"], "type": "secret"}"""),
        409, "MY_SECRET already exists for preview");
    ApiClient.Response invalid = owner.post(env, """
        {"key": "FERRY_TOKEN", "value": "x", "targets": [], "type": "encrypted"}""");
    assertProblem(invalid, 400, "invalid fields");
    assertEquals(List.of("key", "targets", "type"), fields(invalid.json()));
    assertProblem(owner.post(env, "{\"key\": \"NO_TYPE\", \"value\": \"x\", \"targets\": [\"preview\"]}"), 400,
        "invalid fields");

    // Lists never show a value; a single secret neither; a single plain variable does.
    ApiClient.Response list = owner.get(env);
    assertEquals(200, list.status(), list.body());
    assertEquals(4, list.json().get("items").size(), list.body());
    assertTrue(list.json().get("next").isNull());
    for (JsonNode item : list.json().get("items")) {
      assertEquals(List.of("buildTime", "createdAt", "id", "key", "targets", "type"), sortedFields(item));
    }
    assertFalse(list.body().contains(secret) || list.body().contains(plain), list.body());
    JsonNode page = owner.get(env + "?limit=3").json();
    assertEquals(3, page.get("items").size());
    JsonNode rest = owner.get(env + "?limit=3&cursor=" + page.get("next").asText()).json();
    assertEquals("RUNTIME_ONLY", rest.get("items").get(0).get("key").asText(), rest.toString());
    assertNull(rest.get("next").textValue());

    ApiClient.Response secretRead = owner.get(env + "/" + secretVar.get("id").asText());
    assertEquals(200, secretRead.status(), secretRead.body());
    assertFalse(secretRead.json().has("value"));
    assertFalse(secretRead.body().contains(secret));
    assertEquals(plain, owner.get(env + "/" + plainId).json().get("value").asText());
    assertProblem(owner.get(env + "/env_doesnotexist"), 404, "not found");

    // The audit trail shows who set which variable, never the value, sealed or not.
    ApiClient.Response audit = owner.get("/api/v1/projects/" + projectId + "/events");
    assertEquals(200, audit.status(), audit.body());
    JsonNode envSet = null;
    for (JsonNode item : audit.json().get("items")) {
      if (item.get("type").asText().equals("EnvVarSet") && item.at("/data/key").asText().equals("MY_SECRET")) {
        envSet = item;
      }
    }
    assertNotNull(envSet, audit.body());
    assertEquals("USER", envSet.at("/actor/kind").asText());
    assertEquals("[redacted]", envSet.at("/data/sealedValue").asText());
    assertFalse(audit.body().contains(secret) || audit.body().contains(plain), audit.body());

    // Another user learns nothing, by name or by id, and changes nothing.
    ApiClient intruder = new ApiClient(node.api(), node.edge());
    intruder.signUp("intruder@example.com");
    for (String base : List.of(env, "/api/v1/projects/" + projectId + "/env")) {
      assertProblem(intruder.get(base), 404, "not found");
      assertProblem(intruder.post(base, """
          {"key": "INJECTED", "value": "x", "targets": ["production"], "type": "plain"}"""), 404, "not found");
      assertProblem(intruder.get(base + "/" + plainId), 404, "not found");
      assertProblem(intruder.delete(base + "/" + plainId), 404, "not found");
    }
    assertEquals(200, owner.get(env + "/" + plainId).status());

    // The build gets the production build-time variables; its log shows the secret only masked.
    JsonNode first = owner.deployAndAwait(PROJECT, "{}", "READY", BUILD_TIMEOUT);
    String log = owner.get("/api/v1/deployments/" + first.get("id").asText() + "/logs").body();
    assertTrue(log.contains("token=***"), log);
    assertFalse(log.contains(secret), log);
    assertTrue(log.contains("plain=" + plain), log);
    assertTrue(log.contains("preview-only=unset") && log.contains("runtime-only=unset"), log);
    assertTrue(log.contains("ferry-env=production"), log);
    assertEquals(Integer.toString(secret.length()), served(owner, first, "/secret-length.txt"));

    assertEquals(204, owner.delete(env + "/" + runtimeOnly.json().get("id").asText()).status());
    assertProblem(owner.get(env + "/" + runtimeOnly.json().get("id").asText()), 404, "not found");
    assertEquals(3, owner.get(env).json().get("items").size());

    // Rotation, offline: a new master key; the restarted node re-wraps the data key and still decrypts.
    node.close();
    FerryProcess.CommandResult rotation = node.runCommand("rotate-master-key");
    assertEquals(0, rotation.exitCode(), rotation.output());
    assertTrue(rotation.output().contains("Rotated the master key"), rotation.output());
    try (Stream<Path> keys = Files.list(node.dataDir().resolve("keys"))) {
      assertEquals(1, keys.filter(k -> k.getFileName().toString().startsWith("master-retired-")).count());
    }
    node = node.restarted().start();
    owner = new ApiClient(node.api(), node.edge()).withToken(token);
    assertEquals(plain, owner.get(env + "/" + plainId).json().get("value").asText());
    FerryProcess restarted = node;
    ApiClient.await(Duration.ofSeconds(30), restarted::log, text -> text.contains("re-wrapped 1 of 1 project data keys"));
    JsonNode second = owner.deployAndAwait(PROJECT, "{}", "READY", BUILD_TIMEOUT);
    assertEquals(Integer.toString(secret.length()), served(owner, second, "/secret-length.txt"));
    String secondLog = owner.get("/api/v1/deployments/" + second.get("id").asText() + "/logs").body();
    assertTrue(secondLog.contains("token=***") && !secondLog.contains(secret), secondLog);

    // At rest: nothing holds the secret; the journal holds no variable's value at all.
    node.close();
    Map<String, byte[]> tables = databaseContents(node.dataDir());
    assertTrue(tables.keySet().containsAll(List.of("event_journal", "snapshot", "build_logs")), tables.keySet()
        .toString());
    assertTrue(contains(tables.get("event_journal"), PROJECT), "the scan reads the journal's payloads");
    assertTrue(contains(tables.get("event_journal"), "MY_SECRET"), "variable names are not secret");
    for (Map.Entry<String, byte[]> table : tables.entrySet()) {
      assertFalse(containsSecret(table.getValue(), secret), "the secret is in table " + table.getKey());
    }
    for (String journal : List.of("event_journal", "snapshot")) {
      assertFalse(contains(tables.get(journal), plain), "a plain value is in " + journal);
    }
    assertTrue(contains(tables.get("build_logs"), "plain=" + plain), "the scan reads the build logs");
    Map<Path, byte[]> files = files(node.dataDir());
    assertTrue(files.values().stream().anyMatch(bytes -> contains(bytes, PROJECT)), "the scan reads the files");
    for (Map.Entry<Path, byte[]> file : files.entrySet()) {
      assertFalse(containsSecret(file.getValue(), secret), "the secret is in " + file.getKey());
    }
    assertFalse(node.log().contains(secret), "the secret is in the node's log");
  }

  /** What the edge serves at {@code path} of the deployment, once its route has reached the edge. */
  private static String served(ApiClient client, JsonNode deployment, String path) throws Exception {
    String host = PROJECT + "-" + deployment.get("id").asText() + ".localhost";
    return ApiClient.await(Duration.ofSeconds(10), () -> client.edge("GET", host, path),
        response -> response.status() == 200).body();
  }

  /** A site whose build prints its variables, and writes the secret's length (not the secret) into the output. */
  private static void commitSite(Path repo) throws Exception {
    Files.createDirectories(repo);
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("build.sh"), """
          echo "token=$MY_SECRET"
          echo "plain=$PLAIN_VAR"
          echo "preview-only=${PREVIEW_ONLY:-unset}"
          echo "runtime-only=${RUNTIME_ONLY:-unset}"
          echo "ferry-env=$FERRY_ENV"
          mkdir -p dist
          echo "<h1>vault</h1>" > dist/index.html
          printf '%s' "${#MY_SECRET}" > dist/secret-length.txt
          """);
      git.add().addFilepattern(".").call();
      git.commit().setMessage("Print the variables").setAuthor("Dev", "dev@example.com")
          .setCommitter("Dev", "dev@example.com").call();
    }
  }

  // The scan

  /** Every value of every column of every table of the stopped node's H2 database, concatenated per table. */
  private static Map<String, byte[]> databaseContents(Path dataDir) throws Exception {
    Map<String, byte[]> tables = new LinkedHashMap<>();
    try (Connection connection = DriverManager.getConnection(Database.embeddedUrl(dataDir), "ferry", "");
        Statement statement = connection.createStatement()) {
      List<String> names = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery(
          "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC'")) {
        while (rows.next()) {
          names.add(rows.getString(1));
        }
      }
      for (String name : names) {
        var bytes = new java.io.ByteArrayOutputStream();
        try (ResultSet rows = statement.executeQuery("SELECT * FROM PUBLIC.\"" + name + "\"")) {
          int columns = rows.getMetaData().getColumnCount();
          while (rows.next()) {
            for (int column = 1; column <= columns; column++) {
              bytes.write(columnBytes(rows.getObject(column)));
              bytes.write('\n');
            }
          }
        }
        tables.put(name.toLowerCase(java.util.Locale.ROOT), bytes.toByteArray());
      }
    }
    return tables;
  }

  private static byte[] columnBytes(Object value) throws Exception {
    if (value == null) {
      return new byte[0];
    }
    if (value instanceof byte[] bytes) {
      return bytes;
    }
    if (value instanceof Blob blob) {
      return blob.getBytes(1, (int) blob.length());
    }
    if (value instanceof Clob clob) {
      return clob.getSubString(1, (int) clob.length()).getBytes(StandardCharsets.UTF_8);
    }
    return value.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static Map<Path, byte[]> files(Path dataDir) throws IOException {
    Map<Path, byte[]> files = new LinkedHashMap<>();
    try (Stream<Path> paths = Files.walk(dataDir)) {
      for (Path path : paths.filter(Files::isRegularFile).toList()) {
        files.put(path, Files.readAllBytes(path));
      }
    }
    assertFalse(files.isEmpty());
    return files;
  }

  /** The secret as UTF-8, or base64-encoded. */
  private static boolean containsSecret(byte[] haystack, String secret) {
    return contains(haystack, secret)
        || contains(haystack, Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
  }

  private static boolean contains(byte[] haystack, String needle) {
    byte[] bytes = needle.getBytes(StandardCharsets.UTF_8);
    outer:
    for (int i = 0; i + bytes.length <= haystack.length; i++) {
      for (int j = 0; j < bytes.length; j++) {
        if (haystack[i + j] != bytes[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  // JSON

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(item -> values.add(item.asText()));
    return values;
  }

  private static List<String> fields(JsonNode problem) {
    List<String> fields = new ArrayList<>();
    problem.get("errors").forEach(error -> fields.add(error.get("field").asText()));
    return fields;
  }

  private static List<String> sortedFields(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    names.sort(null);
    return names;
  }
}
