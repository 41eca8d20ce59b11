package dev.ferry.it;

import static dev.ferry.it.ApiClient.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.cli.Cli;
import dev.ferry.cli.CliEnvironment;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ferry CLI against a real node, run in-process through its picocli entry point with its own HOME and
 * XDG_CONFIG_HOME and captured output: login, deploy a folder, redeploy uploading only the changed file, logs,
 * promote, rollback, env, tokens, audit, --json, logout, and the exit codes of failures.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliIT {

  private static final Duration SERVED = Duration.ofSeconds(15);

  @TempDir
  Path temp;

  private FerryProcess node;

  /** One CLI run: its exit code and what it printed. */
  record Run(int exit, String out, String err) {
    JsonNode json() {
      try {
        return ApiClient.JSON.readTree(out);
      } catch (Exception e) {
        throw new AssertionError("stdout is not JSON: " + out + "\nstderr: " + err, e);
      }
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /** A user of the CLI: a home directory of their own, a working directory, the node's API. */
  final class User {
    final Path home;
    final Path config;
    Path workingDirectory;

    User(String name) throws Exception {
      home = Files.createDirectories(temp.resolve(name + "-home"));
      config = home.resolve("xdg");
      workingDirectory = Files.createDirectories(temp.resolve(name + "-work"));
    }

    Run run(String... args) {
      return runWithInput("", args);
    }

    Run runWithInput(String stdin, String... args) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      CliEnvironment env = new CliEnvironment(
          Map.of("HOME", home.toString(), "XDG_CONFIG_HOME", config.toString(), "FERRY_API", node.api()),
          workingDirectory, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
          new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
          null);
      int exit = Cli.run(env, args);
      return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    Run ok(String... args) {
      Run run = run(args);
      assertEquals(0, run.exit(), String.join(" ", args) + ": " + run);
      return run;
    }
  }

  @BeforeAll
  void startNode(@TempDir Path data) throws Exception {
    node = new FerryProcess(data.resolve("data"), Map.of()).start();
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void logsInDeploysAFolderRedeploysOnlyTheChangedFileAndManagesTheProject() throws Exception {
    ApiClient api = new ApiClient(node.api(), node.edge());
    api.signUp("dev@example.com");
    User user = new User("dev");

    // Login keeps an API token, and only that, in a file only its owner can read.
    Run login = user.runWithInput(ApiClient.PASSWORD + "\n", "login", "--email", "dev@example.com",
        "--password-stdin");
    assertEquals(0, login.exit(), login.toString());
    Path configFile = user.config.resolve("ferry/config.json");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(configFile)));
    String saved = Files.readString(configFile);
    JsonNode config = ApiClient.JSON.readTree(saved);
    assertTrue(config.get("token").asText().startsWith("ferry_pat_"), saved);
    assertTrue(config.get("tokenName").asText().startsWith("cli@"), saved);
    assertFalse(saved.contains(ApiClient.PASSWORD) || saved.contains("ferry_rt_") || saved.contains("eyJ"), saved);
    assertEquals("dev@example.com\n", user.ok("whoami").out());
    assertEquals("dev@example.com", user.ok("whoami", "--json").json().get("email").asText());

    assertTrue(user.ok("projects", "add", "site").out().contains("Created project site"));
    // Lists come from read models that follow the journal within moments.
    JsonNode projects = ApiClient.await(SERVED, () -> user.ok("projects", "ls", "--json").json(),
        list -> list.get("items").size() > 0);
    assertEquals("site", projects.at("/items/0/name").asText());

    Path site = Files.createDirectories(user.workingDirectory.resolve("site"));
    user.workingDirectory = site;
    user.ok("link", "site");
    assertTrue(Files.isRegularFile(site.resolve(".ferry/project.json")));
    writeSite(site, "v1");

    // First deployment: every file is new. Left-out folders are not uploaded.
    double uploadedBefore = uploadedBlobs(api);
    Run first = user.ok("deploy", "--prod");
    String firstUrl = first.out().strip();
    assertTrue(firstUrl.startsWith("http://site-") && !firstUrl.contains("\n"), first.toString());
    assertTrue(first.err().contains("Unpacking 4 uploaded files"), first.err());
    assertTrue(first.err().contains("Uploading 4 new files"), first.err());
    assertEquals(4.0, uploadedBlobs(api) - uploadedBefore, "4 distinct files uploaded");
    String firstHost = URI.create(firstUrl).getHost();
    awaitServed(api, firstHost, "v1"); // the route table follows READY within moments
    assertTrue(api.edge("GET", firstHost, "/about/").body().contains("About v1"));
    assertEquals(404, api.edge("GET", firstHost, "/node_modules/left-pad/index.js").status());
    assertEquals(404, api.edge("GET", firstHost, "/.git/config").status());
    awaitServed(api, "site.localhost", "v1");

    // One file changed: exactly one blob goes over the wire.
    Files.writeString(site.resolve("index.html"), page("v2"));
    double beforeSecond = uploadedBlobs(api);
    Run second = user.ok("deploy", "--prod", "--json");
    JsonNode secondDeployment = second.json();
    assertEquals("READY", secondDeployment.get("state").asText());
    assertEquals("production", secondDeployment.get("target").asText());
    assertEquals("files", secondDeployment.at("/source/type").asText());
    assertEquals(1.0, uploadedBlobs(api) - beforeSecond, "only the changed file is uploaded: " + second.err());
    assertTrue(second.err().contains("Uploading 1 new file"), second.err());
    awaitServed(api, "site.localhost", "v2");
    String secondId = secondDeployment.get("id").asText();
    String firstId = firstUrl.substring("http://site-".length(), firstUrl.indexOf('.'));

    // Nothing changed: nothing is uploaded, and a plain deploy is a preview that leaves production alone.
    double beforePreview = uploadedBlobs(api);
    Run preview = user.ok("deploy", "--json");
    assertEquals("preview", preview.json().get("target").asText());
    assertEquals(0.0, uploadedBlobs(api) - beforePreview);
    assertFalse(preview.err().contains("Uploading"), preview.err());
    assertEquals(secondId, api.get("/api/v1/projects/site").json().get("productionDeploymentId").asText());

    JsonNode list = ApiClient.await(SERVED, () -> user.ok("ls", "--json").json(),
        deployments -> deployments.get("items").size() == 3);
    assertEquals(3, list.get("items").size(), list.toString());
    assertEquals(secondId, list.at("/items/1/id").asText());
    assertTrue(user.ok("ls").out().contains(secondId + " *"));
    assertTrue(user.ok("inspect", secondId).out().contains("READY"));
    assertEquals(secondId, user.ok("inspect", secondId, "--json").json().get("id").asText());
    Run logs = user.ok("logs", secondId);
    assertTrue(logs.out().contains("Unpacking 4 uploaded files") && logs.out().contains("Deployment ready"),
        logs.out());
    String rawLog = user.ok("logs", secondId, "--json", "-f").out();
    assertEquals(1, ApiClient.JSON.readTree(rawLog.lines().findFirst().orElseThrow()).get("seq").asInt());

    // Rollback and promote move production without a rebuild.
    JsonNode rolledBack = user.ok("rollback", "--json").json();
    assertEquals(firstId, rolledBack.get("productionDeploymentId").asText());
    awaitServed(api, "site.localhost", "v1");
    assertTrue(user.ok("promote", secondId).out().contains("Promoted " + secondId));
    awaitServed(api, "site.localhost", "v2");
    assertTrue(user.ok("rollback", firstId).out().contains("back to " + firstId));
    awaitServed(api, "site.localhost", "v1");

    // Environment variables: a secret's value comes from standard input and is never listed.
    assertTrue(user.ok("env", "add", "GREETING", "hello", "-t", "preview").out().contains("Added GREETING"));
    Run secret = user.runWithInput("s3cret-value\n", "env", "add", "API_KEY", "--secret");
    assertEquals(0, secret.exit(), secret.toString());
    JsonNode variables = user.ok("env", "ls", "--json").json();
    assertEquals(List.of("GREETING", "API_KEY"), keys(variables));
    assertEquals(List.of("preview"), texts(variables.at("/items/0/targets")));
    assertFalse(variables.toString().contains("s3cret-value"));
    user.ok("env", "rm", "GREETING");
    assertEquals(List.of("API_KEY"), keys(user.ok("env", "ls", "--json").json()));
    Run noSuchVariable = user.run("env", "rm", "GREETING");
    assertEquals(1, noSuchVariable.exit(), noSuchVariable.toString());

    // The audit trail names the CLI's token as the actor.
    JsonNode audit = user.ok("audit", "--json").json();
    List<String> types = new ArrayList<>();
    audit.get("items").forEach(item -> types.add(item.get("type").asText()));
    assertTrue(types.containsAll(List.of("ProjectCreated", "DeploymentRequested", "ProductionPromoted",
        "EnvVarSet", "EnvVarRemoved")), types.toString());
    assertEquals("API_TOKEN", audit.at("/items/0/actor/kind").asText());
    assertTrue(user.ok("audit").out().contains("EnvVarRemoved"));

    // Tokens for CI: shown once, listed without the secret, revocable.
    Run ci = user.ok("tokens", "add", "ci", "--json");
    String ciToken = ci.json().get("token").asText();
    assertEquals(200, new ApiClient(node.api(), node.edge()).withToken(ciToken).get("/api/v1/user").status());
    JsonNode tokens = user.ok("tokens", "ls", "--json").json();
    assertEquals(2, tokens.get("items").size(), tokens.toString());
    assertFalse(tokens.toString().contains("ferry_pat_"));
    user.ok("tokens", "rm", ci.json().get("id").asText());
    assertEquals(401, new ApiClient(node.api(), node.edge()).withToken(ciToken).get("/api/v1/user").status());

    // Logout revokes the saved token and deletes the file.
    String cliToken = config.get("token").asText();
    user.ok("logout");
    assertFalse(Files.exists(configFile));
    assertEquals(401, new ApiClient(node.api(), node.edge()).withToken(cliToken).get("/api/v1/user").status());
    Run afterLogout = user.run("whoami");
    assertEquals(1, afterLogout.exit());
    assertTrue(afterLogout.err().contains("ferry login"), afterLogout.err());
  }

  @Test
  void failuresHaveTheirExitCodesAndPrebuiltFoldersSkipTheBuild() throws Exception {
    ApiClient api = new ApiClient(node.api(), node.edge());
    api.signUp("ops@example.com");
    User user = new User("ops");
    assertEquals(0, user.runWithInput(ApiClient.PASSWORD, "login", "--email", "ops@example.com",
        "--password-stdin").exit());
    Path folder = Files.createDirectories(user.workingDirectory.resolve("app"));
    Files.writeString(folder.resolve("index.html"), page("prebuilt"));

    Run unknown = user.run("deploy", folder.toString(), "--project", "nope");
    assertEquals(1, unknown.exit(), unknown.toString());
    assertTrue(unknown.err().contains("Project not found"), unknown.err());

    Run wrongPassword = user.runWithInput("not the password\n", "login", "--email", "ops@example.com",
        "--password-stdin");
    assertEquals(1, wrongPassword.exit(), wrongPassword.toString());
    assertTrue(wrongPassword.err().startsWith("Error: "), wrongPassword.err());

    Run invalid = user.run("projects", "add", "Not A Name");
    assertEquals(1, invalid.exit(), invalid.toString());
    assertTrue(invalid.err().contains("name: Must be a DNS label"), invalid.err());

    // A failing build exits with 3 and says why.
    user.ok("projects", "add", "broken", "--build-command", "echo the build broke; exit 7");
    Run failed = user.run("deploy", folder.toString(), "--project", "broken");
    assertEquals(3, failed.exit(), failed.toString());
    assertTrue(failed.err().contains("the build broke") && failed.err().contains("exit code 7"), failed.err());
    assertEquals("", failed.out());

    // --prebuilt publishes Vercel's static output as it is: the project's build command never runs.
    Path built = Files.createDirectories(folder.resolve(".vercel/output/static"));
    Files.writeString(built.resolve("index.html"), page("from build output"));
    Run prebuilt = user.run("deploy", folder.toString(), "--project", "broken", "--prebuilt", "--json");
    assertEquals(0, prebuilt.exit(), prebuilt.toString());
    assertTrue(prebuilt.json().at("/source/prebuilt").asBoolean(), prebuilt.out());
    assertFalse(prebuilt.err().contains("the build broke"), prebuilt.err());
    String host = URI.create(prebuilt.json().get("url").asText()).getHost();
    awaitServed(api, host, "from build output");
  }

  @Test
  void theUploadApiChecksDigestsAndPathsAndNamesWhatIsMissing() throws Exception {
    ApiClient api = new ApiClient(node.api(), node.edge());
    api.signUp("api@example.com");
    assertEquals(201, api.post("/api/v1/projects", "{\"name\": \"raw\"}").status());
    byte[] content = "raw upload\n".getBytes(StandardCharsets.UTF_8);
    String sha = sha256(content);

    String body = "{\"files\": [{\"path\": \"index.html\", \"sha256\": \"" + sha + "\", \"size\": 11}]}";
    ApiClient.Response missing = api.post("/api/v1/projects/raw/deployments", body);
    assertProblem(missing, 400, "not uploaded");
    assertEquals(List.of(sha), texts(missing.json().get("missing")));

    assertProblem(upload(api, sha, "other bytes".getBytes(StandardCharsets.UTF_8)), 400, "SHA-256");
    assertProblem(upload(api, "not-a-digest", content), 400, "X-Ferry-Digest");
    assertEquals(401, new ApiClient(node.api(), node.edge()).send(HttpRequest.newBuilder(
        URI.create(node.api() + "/api/v1/files")).header("X-Ferry-Digest", sha)
        .POST(HttpRequest.BodyPublishers.ofByteArray(content))).status());
    assertEquals(201, upload(api, sha, content).status());
    assertEquals(200, upload(api, sha, content).status(), "already stored");

    ApiClient.Response escaping = api.post("/api/v1/projects/raw/deployments",
        "{\"files\": [{\"path\": \"../etc/passwd\", \"sha256\": \"" + sha + "\", \"size\": 11},"
            + " {\"path\": \"/abs\", \"sha256\": \"" + sha + "\", \"size\": 11}]}");
    assertProblem(escaping, 400, "invalid fields");
    assertEquals("files[0].path", escaping.json().at("/errors/0/field").asText());
    assertEquals("files[1].path", escaping.json().at("/errors/1/field").asText());
    assertProblem(api.post("/api/v1/projects/raw/deployments",
        "{\"files\": [], \"ref\": \"main\"}"), 400, "invalid fields");

    // A list of 12,000 files is over the server's default 1 MiB body limit, not over the 8 MiB of this route.
    String unknown = "0".repeat(64);
    StringBuilder many = new StringBuilder("{\"files\": [");
    for (int i = 0; i < 12_000; i++) {
      many.append(i == 0 ? "" : ",").append("{\"path\": \"assets/file-").append(i)
          .append(".js\", \"sha256\": \"").append(unknown).append("\", \"size\": 1}");
    }
    String manyFiles = many.append("]}").toString();
    assertTrue(manyFiles.length() > 1 << 20);
    ApiClient.Response large = api.post("/api/v1/projects/raw/deployments", manyFiles);
    assertProblem(large, 400, "not uploaded");
    assertEquals(List.of(unknown), texts(large.json().get("missing")));
    assertProblem(api.post("/api/v1/projects/raw/deployments", "{\"files\": [\"" + "x".repeat(9 << 20) + "\"]}"),
        413, "too large");

    JsonNode deployment = api.deployAndAwait("raw", body, "READY", Duration.ofSeconds(60));
    assertEquals("preview", deployment.get("target").asText());
    String host = URI.create(deployment.get("url").asText()).getHost();
    ApiClient.await(SERVED, () -> api.edge("GET", host, "/").body(), "raw upload\n"::equals);
  }

  private static ApiClient.Response upload(ApiClient api, String digest, byte[] content) throws Exception {
    return api.send(HttpRequest.newBuilder(URI.create(api.api() + "/api/v1/files"))
        .header("X-Ferry-Digest", digest).header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(content)));
  }

  private static String sha256(byte[] content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
  }

  /** A static site of four distinct files, plus folders `ferry deploy` leaves out. */
  private static void writeSite(Path site, String version) throws Exception {
    Files.createDirectories(site.resolve("about"));
    Files.writeString(site.resolve("index.html"), page(version));
    Files.writeString(site.resolve("about/index.html"), "<p>About " + version + "</p>\n");
    Files.writeString(site.resolve("style.css"), "h1 { color: teal; }\n");
    Files.writeString(site.resolve("404.html"), "<p>Not here</p>\n");
    Files.createDirectories(site.resolve("node_modules/left-pad"));
    Files.writeString(site.resolve("node_modules/left-pad/index.js"), "module.exports = 1;\n");
    Files.createDirectories(site.resolve(".git"));
    Files.writeString(site.resolve(".git/config"), "[core]\n");
  }

  private static String page(String version) {
    return "<!doctype html><html><body><h1>Hello " + version + "</h1></body></html>\n";
  }

  /** The node's count of files stored through POST /api/v1/files. */
  private static double uploadedBlobs(ApiClient api) throws Exception {
    String metrics = api.get("/metrics").body();
    return metrics.lines().filter(line -> line.startsWith("ferry_uploaded_blobs_total "))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim()))
        .findFirst().orElseThrow(() -> new AssertionError("no ferry_uploaded_blobs_total in\n" + metrics));
  }

  private static void awaitServed(ApiClient api, String host, String version) throws Exception {
    ApiClient.await(SERVED, () -> api.edge("GET", host, "/").body(), body -> body.contains("Hello " + version));
  }

  private static List<String> keys(JsonNode list) {
    List<String> keys = new ArrayList<>();
    list.get("items").forEach(item -> keys.add(item.get("key").asText()));
    return keys;
  }

  private static List<String> texts(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }
}
