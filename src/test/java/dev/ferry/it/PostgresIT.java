package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.EmbeddedPostgresServer;
import dev.ferry.testing.S3ProxyServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Production's parts, for real: a node whose journal, snapshots, offsets and read models are in PostgreSQL (embedded
 * server binaries) and whose blobs are only in an S3 bucket (s3proxy). It deploys, serves, survives a kill -9 without
 * its local blob copies, deploys again, and an edge-only node with an empty data directory serves the same site.
 */
class PostgresIT {

  private static final Duration BUILD_TIMEOUT = Duration.ofSeconds(90);

  @TempDir
  static Path serverDir;

  private static EmbeddedPostgresServer postgres;
  private static S3ProxyServer s3;

  @TempDir
  Path temp;

  private FerryProcess node;
  private FerryProcess edgeNode;

  @BeforeAll
  static void startServers() throws Exception {
    postgres = EmbeddedPostgresServer.start();
    s3 = S3ProxyServer.start(serverDir);
  }

  @AfterAll
  static void stopServers() throws Exception {
    if (s3 != null) {
      s3.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @AfterEach
  void stopNodes() throws Exception {
    for (FerryProcess process : new FerryProcess[] {node, edgeNode}) {
      if (process != null) {
        process.close();
      }
    }
  }

  @Test
  void aNodeOnPostgresAndS3DeploysServesSurvivesAKillAndAnEdgeOnlyNodeServesTheSameSite() throws Exception {
    String url = postgres.createDatabase("ferry");
    DataSource database = postgres.dataSource("ferry");
    String bucket = s3.createBucket("ferry-blobs");
    Map<String, String> env = new HashMap<>(s3.environment(bucket));
    env.put("FERRY_DB_URL", url);
    env.put("FERRY_DB_USER", EmbeddedPostgresServer.USER);
    env.put("FERRY_DB_PASSWORD", EmbeddedPostgresServer.PASSWORD);
    env.put("FERRY_ALLOW_LOCAL_REPOS", "true");
    // Production passes the keys every node shares in the environment.
    env.put("FERRY_MASTER_KEY", randomKey());
    env.put("FERRY_JWT_KEY", randomKey());

    Path repo = temp.resolve("repo");
    Git git = Git.init().setDirectory(Files.createDirectories(repo).toFile()).setInitialBranch("main").call();
    commit(git, repo, "v1");

    Path dataDir = temp.resolve("node-a");
    node = new FerryProcess(dataDir, env).start();
    ApiClient client = new ApiClient(node.api(), node.edge());
    String token = client.signUp("ops@example.com").get("accessToken").asText();
    ApiClient.Response created = client.post("/api/v1/projects", """
        {"name": "site", "gitRepoUrl": "%s", "buildCommand": "sh build.sh", "outputDirectory": "dist"}
        """.formatted(repo.toUri()));
    assertEquals(201, created.status(), created.body());

    JsonNode first = client.deployAndAwait("site", "{}", "READY", BUILD_TIMEOUT);
    String firstId = first.get("id").asText();
    String firstHost = "site-" + firstId + ".localhost";
    awaitServed(client, "site.localhost", "v1");
    assertTrue(client.edge("GET", "site.localhost", "/about/").body().contains("About v1"));

    // Everything lives in PostgreSQL and the bucket; the data directory holds no database and no blob store.
    assertFalse(Files.exists(dataDir.resolve("db")), "no H2 database");
    assertFalse(Files.exists(dataDir.resolve("blobs")), "no filesystem blob store");
    assertTrue(count(database, "SELECT COUNT(*) FROM event_journal") > 0);
    assertTrue(count(database, "SELECT COUNT(*) FROM event_tag") > 0);
    assertTrue(count(database, "SELECT COUNT(*) FROM pekko_projection_offset_store") > 0);
    assertEquals(1, count(database, "SELECT COUNT(*) FROM deployments WHERE id = '" + firstId + "' AND state = 'READY'"));
    assertTrue(count(database, "SELECT COUNT(*) FROM routes WHERE deployment_id = '" + firstId + "'") >= 2);
    List<String> keys = s3.keys(bucket);
    assertTrue(keys.contains("manifests/" + firstId + ".json"), keys.toString());
    assertTrue(keys.stream().filter(key -> key.startsWith("blobs/")).count() >= 4, keys.toString());

    // Killed hard and started again without its local copies of the blobs: they come back from the bucket.
    node.kill();
    deleteRecursively(dataDir.resolve("blob-cache"));
    node = node.restarted().start();
    ApiClient restarted = new ApiClient(node.api(), node.edge()).withToken(token);
    client = restarted;
    JsonNode afterRestart = client.get("/api/v1/deployments/" + firstId).json();
    assertEquals("READY", afterRestart.get("state").asText());
    assertEquals(first.at("/source/commitSha").asText(), afterRestart.at("/source/commitSha").asText());
    assertEquals(firstId, client.get("/api/v1/projects/site").json().get("productionDeploymentId").asText());
    awaitServed(client, "site.localhost", "v1");
    assertTrue(client.edge("GET", firstHost, "/").body().contains("Hello v1"));

    // The projections resume from their offsets in PostgreSQL: a new deployment is built, routed and listed.
    commit(git, repo, "v2");
    JsonNode second = client.deployAndAwait("site", "{}", "READY", BUILD_TIMEOUT);
    awaitServed(client, "site.localhost", "v2");
    JsonNode list = ApiClient.await(Duration.ofSeconds(10), () -> restarted.get("/api/v1/projects/site/deployments")
        .json(), deployments -> deployments.get("items").size() == 2);
    assertEquals(second.get("id").asText(), list.get("items").get(0).get("id").asText());
    node.close();

    // An edge-only node with an empty data directory: routes from PostgreSQL, files from the bucket, health on
    // its edge port, no API.
    Map<String, String> edgeEnv = new HashMap<>(env);
    edgeEnv.put("FERRY_ROLES", "edge");
    edgeNode = new FerryProcess(temp.resolve("node-edge"), edgeEnv).start();
    ApiClient edgeClient = new ApiClient(edgeNode.api(), edgeNode.edge());
    awaitServed(edgeClient, "site.localhost", "v2");
    assertTrue(edgeClient.edge("GET", firstHost, "/").body().contains("Hello v1"));
    HttpResponse<String> ready = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(edgeNode.edge() + "/health/ready")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, ready.statusCode(), ready.body());
    ApiClient.Response sitePath = edgeClient.edge("GET", "site.localhost", "/health/ready");
    assertEquals(404, sitePath.status(), "the site's own paths are the site's");
    assertTrue(sitePath.body().contains("Custom 404"), sitePath.body());
    assertThrows(ConnectException.class, () -> edgeClient.get("/api/v1/projects"), "no API on an edge-only node");

    // Nothing went wrong quietly: SQL that PostgreSQL rejects would show up here as retried projections.
    assertEquals(List.of(), errors(node.log()));
    assertEquals(List.of(), errors(edgeNode.log()));
  }

  private static List<String> errors(String log) {
    if (Boolean.getBoolean("ferry.it.printNodeLogs")) {
      System.out.println(log);
    }
    return log.lines().filter(line -> line.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ERROR .*")).toList();
  }

  static long count(DataSource database, String sql) throws Exception {
    try (Connection connection = database.getConnection(); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static void awaitServed(ApiClient client, String host, String version) throws Exception {
    ApiClient.await(Duration.ofSeconds(15), () -> client.edge("GET", host, "/").body(),
        body -> body.contains("Hello " + version));
  }

  static String randomKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return Base64.getEncoder().encodeToString(key);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /** A small static site whose build copies it into dist/. */
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
        """.formatted(version));
    git.add().addFilepattern(".").call();
    git.commit().setMessage("Site " + version).setAuthor("Dev", "dev@example.com")
        .setCommitter("Dev", "dev@example.com").call();
  }
}
