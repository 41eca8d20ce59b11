package dev.ferry.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.ferry.db.Database;
import dev.ferry.edge.EdgeServer;
import dev.ferry.storage.FileSystemBlobStore;
import dev.ferry.storage.Publisher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readiness follows cluster membership, the database and the journal; nodes without the API answer on the edge. */
class NodeHealthTest {

  @TempDir
  Path temp;

  private ActorSystem<Void> system;
  private Database database;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() {
    system = ActorSystem.create(Behaviors.empty(), "health-test", ConfigFactory.parseString("""
            pekko.loglevel = WARNING
            pekko.remote.artery.canonical.port = 0
            pekko.cluster.seed-nodes = []
            """).withFallback(ConfigFactory.load()));
    database = Database.open("jdbc:h2:mem:health-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "ferry", "", 2);
  }

  @AfterEach
  void stop() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    database.close();
  }

  @Test
  void readyOnlyAsAnUpMemberWithAReadableJournal() throws Exception {
    NodeHealth health = new NodeHealth(system, database.dataSource());
    assertEquals("This node is not an Up member of the cluster yet", problem(health));

    joinSelf();
    assertEquals("The journal is not reachable", problem(health), "no journal table before the migrations");

    database.migrate();
    assertTrue(readiness(health).ready());
    assertEquals(200, health.readyResponse().toCompletableFuture().get().status().intValue());

    database.close();
    assertEquals("The database is not reachable", problem(health));
    var unavailable = health.readyResponse().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(503, unavailable.status().intValue());
    assertTrue(unavailable.entity().getContentType().toString().startsWith("application/problem+json"));
  }

  @Test
  void answersOnlyItsOwnPathsAndMethods() {
    NodeHealth health = new NodeHealth(system, database.dataSource());
    assertTrue(health.handle(request(HttpMethods.GET, "/health/alive")).isPresent());
    assertTrue(health.handle(request(HttpMethods.GET, "/health/ready")).isPresent());
    assertTrue(health.handle(request(HttpMethods.HEAD, "/health/ready")).isPresent());
    assertFalse(health.handle(request(HttpMethods.POST, "/health/ready")).isPresent());
    assertFalse(health.handle(request(HttpMethods.GET, "/health")).isPresent());
    assertFalse(health.handle(request(HttpMethods.GET, "/index.html")).isPresent());
  }

  @Test
  void theEdgeOfANodeWithoutTheApiAnswersProbesForHostsThatNameNoDeployment() throws Exception {
    joinSelf();
    database.migrate();
    FileSystemBlobStore blobs = new FileSystemBlobStore(temp.resolve("blobs"));
    Path site = Files.createDirectories(temp.resolve("site/health"));
    Files.writeString(site.resolve("ready"), "the site's own page");
    Publisher.publish(temp.resolve("site"), "dpl1", blobs);
    NodeHealth health = new NodeHealth(system, database.dataSource());
    dev.ferry.common.Listener edge = new EdgeServer(system, host -> Optional.ofNullable(Map.of("site.localhost", "dpl1")
        .get(host)), blobs)
        .answerUnroutedHostsWith(health::handle)
        .start("127.0.0.1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
    try {
      String base = "http://127.0.0.1:" + edge.localAddress().getPort();
      HttpResponse<String> probe = get(base + "/health/ready", null);
      assertEquals(200, probe.statusCode(), probe.body());
      assertTrue(probe.body().contains("\"ready\""), probe.body());
      assertEquals(200, get(base + "/health/alive", null).statusCode());
      assertEquals(404, get(base + "/anything-else", null).statusCode());

      HttpResponse<String> page = get(base + "/health/ready", "site.localhost");
      assertEquals("the site's own page", page.body(), "a deployment keeps its own /health paths");
    } finally {
      edge.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aNodeWithNeitherApiNorEdgeServesTheProbesAlone() throws Exception {
    joinSelf();
    database.migrate();
    ServerBinding server = new NodeHealth(system, database.dataSource()).start("127.0.0.1", 0)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    try {
      String base = "http://127.0.0.1:" + server.localAddress().getPort();
      assertEquals(200, get(base + "/health/ready", null).statusCode());
      assertEquals(200, get(base + "/health/alive", null).statusCode());
      assertEquals(404, get(base + "/api/v1/projects", null).statusCode());
    } finally {
      server.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static org.apache.pekko.http.javadsl.model.HttpRequest request(HttpMethod method, String path) {
    return org.apache.pekko.http.javadsl.model.HttpRequest.create(path).withMethod(method);
  }

  private HttpResponse<String> get(String url, String host) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (host != null) {
      request.header("Host", host);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void joinSelf() throws Exception {
    Cluster cluster = Cluster.get(system);
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (cluster.selfMember().status() != MemberStatus.up()) {
      assertTrue(System.nanoTime() < deadline, "the node did not come Up");
      Thread.sleep(50);
    }
  }

  private static NodeHealth.Readiness readiness(NodeHealth health) throws Exception {
    return health.readiness().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static String problem(NodeHealth health) throws Exception {
    NodeHealth.Readiness readiness = readiness(health);
    assertFalse(readiness.ready());
    return readiness.problem();
  }
}
