package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testing.EmbeddedPostgresServer;
import dev.ferry.testing.S3ProxyServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import javax.sql.DataSource;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three node JVMs joined by seed nodes into one cluster on one PostgreSQL (embedded server binaries) and one S3 server
 * (s3proxy): deployments are created through node A and built on node B (the only node with the {@code build} role at
 * first), every edge serves them, a promote through node C reaches every edge, node B is killed with SIGKILL in the
 * middle of a build that node C then finishes, and the cluster is whole again when B comes back.
 */
class ClusterIT {

  /** Three JVMs share two busy cores here: every wait is generous. */
  private static final Duration SLOW = Duration.ofMinutes(4);
  /**
   * A correctness bound (the pointer reaches every edge), not the 500 ms goal: timing goals belong in benchmarks. The
   * measured values and where the time goes are printed (docs/performance.md, "Cluster and scale (session 3)").
   */
  private static final Duration PROMOTE_BOUND = Duration.ofSeconds(20);
  private static final int SLOW_BUILD_SECONDS = 20;
  /** Promotes measured in a row (odd: the last one leaves v1 in production). */
  private static final int PROMOTES = 7;

  @TempDir
  Path temp;

  private EmbeddedPostgresServer postgres;
  private S3ProxyServer s3;
  private final List<FerryProcess> nodes = new ArrayList<>();

  @AfterEach
  void stopEverything() throws Exception {
    for (FerryProcess node : nodes) {
      node.close();
    }
    if (s3 != null) {
      s3.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void buildsOnTheBuildNodeServesEverywhereSurvivesAKilledBuilderAndHeals() throws Exception {
    postgres = EmbeddedPostgresServer.start();
    s3 = S3ProxyServer.start(Files.createDirectories(temp.resolve("s3")));
    DataSource database = postgres.dataSource("ferry");
    Map<String, String> env = sharedEnvironment(postgres.createDatabase("ferry"));
    env.putAll(s3.environment(s3.createBucket("ferry-blobs")));
    FerryProcess a = node("node-a", env, "api,edge");
    FerryProcess b = node("node-b", env, "api,edge,build");
    FerryProcess c = node("node-c", env, "api,edge,build");
    String seeds = a.clusterAddress() + "," + c.clusterAddress();
    for (FerryProcess node : List.of(a, b, c)) {
      node.withEnv("FERRY_SEED_NODES", seeds);
    }

    Path repo = temp.resolve("repo");
    Git git = Git.init().setDirectory(Files.createDirectories(repo).toFile()).setInitialBranch("main").call();
    commit(git, repo, "v1", 0);

    // A (api, edge) and B (api, edge, build): whatever A is asked to build, B builds.
    start(a);
    start(b);
    ApiClient viaA = new ApiClient(a.api(), a.edge());
    String token = viaA.signUp("ops@example.com").get("accessToken").asText();
    assertEquals(201, viaA.post("/api/v1/projects", project("site", repo)).status());
    JsonNode v1 = viaA.deployAndAwait("site", "{}", "READY", SLOW);
    commit(git, repo, "v2", 0);
    JsonNode v2 = viaA.deployAndAwait("site", "{}", "READY", SLOW);
    for (JsonNode deployment : List.of(v1, v2)) {
      assertEquals(List.of(b.clusterPort()), builders(viaA, deployment.get("id").asText()), "built on B");
    }

    // C joins; all three edges serve production and each deployment's own host.
    start(c);
    ApiClient viaB = new ApiClient(b.api(), b.edge()).withToken(token);
    ApiClient viaC = new ApiClient(c.api(), c.edge()).withToken(token);
    List<ApiClient> edges = List.of(viaA, viaB, viaC);
    for (ApiClient edge : edges) {
      awaitServed(edge, "site.localhost", "v2");
      awaitServed(edge, host(v1), "v1");
      awaitServed(edge, host(v2), "v2");
    }

    // A has no build role: what its edge served came from the bucket, through its bounded cache of local copies.
    assertTrue(cachedBlobs(a.dataDir()) >= 2, "A's edge serves S3's blobs from its blob cache");

    // Promotes through C move production at every edge: v1, v2, v1, ... (the first one runs cold code paths).
    List<Long> promotes = new ArrayList<>();
    for (int i = 0; i < PROMOTES; i++) {
      JsonNode target = i % 2 == 0 ? v1 : v2;
      long promoteMillis = promoteAndMeasure(viaC, edges, database, target.get("id").asText(),
          i % 2 == 0 ? "v1" : "v2");
      assertTrue(promoteMillis < PROMOTE_BOUND.toMillis(), "promote visible after " + promoteMillis + " ms");
      promotes.add(promoteMillis);
    }
    List<Long> sorted = promotes.stream().sorted().toList();
    System.out.printf("ClusterIT: %d promotes through node C visible at all three edges after %s ms "
        + "(min %d, median %d, max %d)%n", PROMOTES, promotes, sorted.get(0), sorted.get(sorted.size() / 2),
        sorted.get(sorted.size() - 1));

    // Two slow builds, one on B and one on C (a build slot each); B is killed with SIGKILL while it builds.
    commit(git, repo, "v3", SLOW_BUILD_SECONDS);
    List<String> slow = new ArrayList<>();
    for (String name : List.of("slow-a", "slow-b")) {
      assertEquals(201, viaA.post("/api/v1/projects", project(name, repo)).status());
      ApiClient.Response accepted = viaA.post("/api/v1/projects/" + name + "/deployments", "{}");
      assertEquals(202, accepted.status(), accepted.body());
      slow.add(accepted.json().get("id").asText());
    }
    List<List<Integer>> workers = ApiClient.await(SLOW, () -> List.of(builders(viaA, slow.get(0)),
        builders(viaA, slow.get(1))), found -> found.stream().allMatch(w -> w.size() == 1));
    assertEquals(Set.of(b.clusterPort(), c.clusterPort()), Set.of(workers.get(0).get(0), workers.get(1).get(0)),
        "one build on B, one on C: " + workers);
    String victim = workers.get(0).get(0) == b.clusterPort() ? slow.get(0) : slow.get(1);
    b.kill();
    nodes.remove(b);

    // While the cluster downs B and moves its shards, some answers are errors (503); they must end, too.
    for (String id : slow) {
      ApiClient.Response done = ApiClient.await(SLOW, () -> viaA.get("/api/v1/deployments/" + id),
          d -> d.status() == 200 && Set.of("READY", "ERROR", "CANCELED").contains(d.json().get("state").asText()));
      assertEquals("READY", done.json().get("state").asText(), done.body());
    }
    assertEquals(List.of(b.clusterPort(), c.clusterPort()), builders(viaA, victim),
        "the killed node's build was taken over by C");
    List<String> victimEvents = types(viaA.get("/api/v1/deployments/" + victim + "/events").json());
    assertEquals("DeploymentReady", victimEvents.get(victimEvents.size() - 1), victimEvents.toString());

    // B comes back: it rejoins, every node sees three Up members and nobody unreachable, and B's edge serves.
    FerryProcess returned = b.restarted();
    start(returned);
    ApiClient viaReturned = new ApiClient(returned.api(), returned.edge()).withToken(token);
    for (ApiClient node : List.of(viaA, viaReturned, viaC)) {
      ApiClient.await(SLOW, () -> node.get("/metrics").body(),
          metrics -> metric(metrics, "ferry_cluster_members_up") == 3
              && metric(metrics, "ferry_cluster_members_unreachable") == 0);
    }
    awaitServed(viaReturned, "site.localhost", "v1");
    awaitServed(viaReturned, host(viaA.get("/api/v1/deployments/" + victim).json()), "v3");

    // Nothing stuck, nothing lost: every deployment finished, the queue is empty, every journal is gapless, and the
    // read model agrees with the entities.
    assertEquals(0, PostgresIT.count(database,
        "SELECT COUNT(*) FROM deployments WHERE state NOT IN ('READY', 'ERROR', 'CANCELED')"));
    ApiClient.await(SLOW, () -> PostgresIT.count(database, "SELECT COUNT(*) FROM build_queue"), rows -> rows == 0);
    assertEquals(0, PostgresIT.count(database, "SELECT COUNT(*) FROM (SELECT persistence_id FROM event_journal "
        + "GROUP BY persistence_id HAVING MAX(sequence_number) <> COUNT(*)) AS gaps"));
    for (String id : List.of(v1.get("id").asText(), v2.get("id").asText(), slow.get(0), slow.get(1))) {
      assertEquals("READY", viaC.get("/api/v1/deployments/" + id).json().get("state").asText());
      assertEquals(1, PostgresIT.count(database,
          "SELECT COUNT(*) FROM deployments WHERE id = '" + id + "' AND state = 'READY'"));
    }
    assertEquals(4, PostgresIT.count(database, "SELECT COUNT(*) FROM deployments"));
  }

  /** Settings every node shares: the database, the keys, and short leases and downing for the test. */
  private static Map<String, String> sharedEnvironment(String databaseUrl) {
    Map<String, String> env = new HashMap<>();
    env.put("FERRY_DB_URL", databaseUrl);
    env.put("FERRY_DB_USER", EmbeddedPostgresServer.USER);
    env.put("FERRY_DB_PASSWORD", EmbeddedPostgresServer.PASSWORD);
    env.put("FERRY_ALLOW_LOCAL_REPOS", "true");
    env.put("FERRY_MASTER_KEY", PostgresIT.randomKey());
    env.put("FERRY_JWT_KEY", PostgresIT.randomKey());
    env.put("FERRY_BUILD_SLOTS", "1");
    env.put("FERRY_BUILD_LEASE", "15 s");
    env.put("FERRY_DOWNING_STABLE_AFTER", "5 s");
    env.put("FERRY_EDGE_TLS_PORT", "0");
    env.put("FERRY_SHUTDOWN_DRAIN_DEADLINE", "5 s");
    return env;
  }

  private FerryProcess node(String name, Map<String, String> env, String roles) throws Exception {
    FerryProcess node = new FerryProcess(temp.resolve(name), env).withEnv("FERRY_ROLES", roles)
        .withJvmOptions("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    return node;
  }

  private void start(FerryProcess node) throws Exception {
    nodes.add(node);
    node.start(SLOW);
  }

  /**
   * Promotes through one node while every edge asks for production in a tight loop; answers the milliseconds from
   * sending the promote until the last edge served the promoted version, and prints where the time went: the answer,
   * the event's write to the journal, the routing projection's commit of its offset, and each edge.
   */
  private static long promoteAndMeasure(ApiClient via, List<ApiClient> edges, DataSource database,
      String deploymentId, String version) throws Exception {
    ExecutorService pollers = Executors.newFixedThreadPool(edges.size());
    try {
      long startedMillis = System.currentTimeMillis();
      long started = System.nanoTime();
      List<Future<Long>> seen = new ArrayList<>();
      ApiClient.Response promoted = via.post("/api/v1/projects/site/promote",
          "{\"deploymentId\": \"" + deploymentId + "\"}");
      long answered = (System.nanoTime() - started) / 1_000_000;
      for (ApiClient edge : edges) {
        seen.add(pollers.submit(() -> {
          long deadline = started + SLOW.toNanos();
          while (System.nanoTime() < deadline) {
            if (edge.edge("GET", "site.localhost", "/").body().contains("Hello " + version)) {
              return (System.nanoTime() - started) / 1_000_000;
            }
            Thread.sleep(2);
          }
          throw new AssertionError("an edge still serves the old production after " + SLOW);
        }));
      }
      assertEquals(200, promoted.status(), promoted.body());
      List<Long> atEdges = new ArrayList<>();
      for (Future<Long> edge : seen) {
        atEdges.add(edge.get(SLOW.toSeconds() + 10, TimeUnit.SECONDS));
      }
      String projectId = promoted.json().get("id").asText();
      long journaled = PostgresIT.count(database, "SELECT write_timestamp FROM event_journal WHERE persistence_id = '"
          + "Project|" + projectId + "' ORDER BY sequence_number DESC LIMIT 1") - startedMillis;
      long journaledAt = journaled + startedMillis;
      // The push usually reaches the edges first; the projection's confirmation from the journal follows.
      long projected = ApiClient.await(SLOW, () -> PostgresIT.count(database, "SELECT MAX(last_updated) FROM "
          + "pekko_projection_offset_store WHERE projection_name = 'production-routes'"), at -> at >= journaledAt)
          - startedMillis;
      System.out.printf("ClusterIT: promote to %s: answered %d ms, journaled %d ms, projected %d ms, edges A B C %s ms%n",
          version, answered, journaled, projected, atEdges);
      return atEdges.stream().mapToLong(Long::longValue).max().orElseThrow();
    } finally {
      pollers.shutdownNow();
    }
  }

  /** The cluster ports of the workers that started builds of the deployment, in order. */
  private static List<Integer> builders(ApiClient client, String deploymentId) throws Exception {
    JsonNode events = client.get("/api/v1/deployments/" + deploymentId + "/events").json().get("items");
    return StreamSupport.stream(events.spliterator(), false)
        .filter(event -> event.get("type").asText().equals("BuildStarted"))
        .map(event -> event.at("/data/worker").asText())
        .map(worker -> Integer.parseInt(worker.replaceAll(".*:(\\d+)/.*", "$1")))
        .toList();
  }

  private static List<String> types(JsonNode events) {
    return StreamSupport.stream(events.get("items").spliterator(), false).map(e -> e.get("type").asText()).toList();
  }

  /** Blobs in a node's {@code CachingBlobStore} (kept as {@code blob-cache/ab/cdef...}). */
  private static long cachedBlobs(Path dataDir) throws Exception {
    try (var files = Files.walk(dataDir.resolve("blob-cache"))) {
      return files.filter(Files::isRegularFile)
          .filter(file -> file.getParent().getFileName().toString().matches("[0-9a-f]{2}"))
          .count();
    }
  }

  private static double metric(String metrics, String name) {
    return metrics.lines().filter(line -> line.startsWith(name + " ")).findFirst()
        .map(line -> Double.parseDouble(line.substring(name.length() + 1).trim())).orElse(-1.0);
  }

  private static String host(JsonNode deployment) {
    return URI.create(deployment.get("url").asText()).getHost();
  }

  private static String project(String name, Path repo) {
    return """
        {"name": "%s", "gitRepoUrl": "%s", "buildCommand": "sh build.sh", "outputDirectory": "dist"}
        """.formatted(name, repo.toUri());
  }

  private static void awaitServed(ApiClient client, String host, String version) throws Exception {
    ApiClient.await(SLOW, () -> client.edge("GET", host, "/").body(), body -> body.contains("Hello " + version));
  }

  /** A static site whose build copies it into dist/, after sleeping {@code buildSeconds}. */
  private static void commit(Git git, Path repo, String version, int buildSeconds) throws Exception {
    Files.createDirectories(repo.resolve("site"));
    Files.writeString(repo.resolve("site/index.html"),
        "<!doctype html><html><body><h1>Hello " + version + "</h1></body></html>\n");
    Files.writeString(repo.resolve("build.sh"), """
        echo "building %s"
        sleep %d
        rm -rf dist && mkdir -p dist && cp -R site/. dist/
        """.formatted(version, buildSeconds));
    git.add().addFilepattern(".").call();
    git.commit().setMessage("Site " + version).setAuthor("Dev", "dev@example.com")
        .setCommitter("Dev", "dev@example.com").call();
  }
}
