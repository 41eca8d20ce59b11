package dev.ferry.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ferry.FerryNode;
import dev.ferry.it.ApiClient;
import dev.ferry.it.FerryProcess;
import dev.ferry.testing.S3ProxyServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention on a real node (in this JVM, so that its clock can be moved): superseded production deployments beyond
 * the rollback window and previews past their age stop serving and are marked EXPIRED in their journal; production
 * and the rollback window keep serving; garbage collection deletes exactly the blobs nothing references, and only
 * once they are older than the grace period.
 */
class RetentionIT {

  private static final Duration SERVED = Duration.ofSeconds(20);
  private static final String ADMIN = "admin@example.com";

  @TempDir
  Path temp;

  private FerryNode node;

  /** A clock the test moves; the node's retention reads it. */
  static final class MovableClock extends Clock {
    private volatile Instant now = Instant.now();

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException("UTC only");
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void expiredDeploymentsStopServingAndOnlyUnreferencedOldBlobsAreCollected() throws Exception {
    Path data = temp.resolve("data");
    MovableClock clock = new MovableClock();
    startNode(data, clock, Map.of());
    ApiClient alice = alice();

    Site prod1 = deploy(alice, "production", Map.of("index.html", "prod one", "style.css", "shared style"));
    Site prod2 = deploy(alice, "production", Map.of("index.html", "prod two", "style.css", "shared style"));
    Site prod3 = deploy(alice, "production", Map.of("index.html", "prod three", "style.css", "shared style"));
    Site oldPreview = deploy(alice, "preview", Map.of("index.html", "old preview", "only-old.txt", "old only"));
    Thread.sleep(20);
    Site youngPreview = deploy(alice, "preview", Map.of("index.html", "young preview"));
    String orphan = alice.upload("uploaded, never deployed");
    ApiClient.await(SERVED, () -> alice.edge("GET", "shop.localhost", "/").body(), "prod three"::equals);
    for (Site site : List.of(prod1, prod2, prod3, oldPreview, youngPreview)) {
      awaitServed(alice, site);
    }

    ApiClient admin = admin();
    ApiClient.assertProblem(alice.post("/api/v1/admin/retention", "{}"), 403, "administrator");

    // Now: the production deployment beyond the rollback window (keep 1) expires, no preview is old enough, and
    // no blob is older than the grace period, so none is deleted yet — only the expired deployment's manifest.
    clock.set(Instant.now());
    ApiClient.Response first = admin.post("/api/v1/admin/retention", "{}");
    assertEquals(200, first.status(), first.body());
    assertEquals(List.of(prod1.id()), texts(first.json().get("expired")));
    assertEquals(1, first.json().at("/garbageCollection/manifestsDeleted").asInt(), first.body());
    assertEquals(0, first.json().at("/garbageCollection/blobsDeleted").asInt(), first.body());
    awaitGone(alice, prod1);
    assertStored(data, prod1.digest("index.html"), orphan);
    assertEquals("EXPIRED", alice.get("/api/v1/deployments/" + prod1.id()).json().get("state").asText());
    JsonNode events = alice.get("/api/v1/deployments/" + prod1.id() + "/events").json().get("items");
    JsonNode expired = events.get(events.size() - 1);
    assertEquals("DeploymentExpired", expired.get("type").asText());
    assertEquals("SYSTEM", expired.at("/actor/kind").asText());
    assertEquals("retention", expired.at("/actor/id").asText());
    assertTrue(expired.at("/data/reason").asText().contains("rollback window"), expired.toString());

    // 30 days after the young preview was created: the old one is past the age, and every blob past the grace.
    Instant youngCreated = Instant.parse(alice.get("/api/v1/deployments/" + youngPreview.id()).json()
        .get("createdAt").asText());
    clock.set(youngCreated.plus(Duration.ofDays(30)).minusMillis(1));
    ApiClient.Response second = admin.post("/api/v1/admin/retention", "{}");
    assertEquals(200, second.status(), second.body());
    assertEquals(List.of(oldPreview.id()), texts(second.json().get("expired")));
    awaitGone(alice, oldPreview);
    for (Site serving : List.of(prod2, prod3, youngPreview)) {
      awaitServed(alice, serving);
    }
    assertEquals("prod three", alice.edge("GET", "shop.localhost", "/").body());

    List<String> unreferenced = List.of(prod1.digest("index.html"), oldPreview.digest("index.html"),
        oldPreview.digest("only-old.txt"), orphan);
    assertTrue(second.json().at("/garbageCollection/blobsDeleted").asInt() >= unreferenced.size(), second.body());
    for (String digest : unreferenced) {
      assertFalse(Files.exists(blobPath(data, digest)), "collected: " + digest);
    }
    assertStored(data, prod1.digest("style.css"), prod2.digest("index.html"), prod3.digest("index.html"),
        youngPreview.digest("index.html"));
    assertEquals(List.of(prod2.id(), prod3.id(), youngPreview.id()).stream().sorted().toList(),
        manifests(data));

    // A rollback goes to the rollback window, and no further: what retention expired is not a rollback target.
    JsonNode rolledBack = alice.post("/api/v1/projects/shop/rollback", "{}").json();
    assertEquals(prod2.id(), rolledBack.get("productionDeploymentId").asText(), rolledBack.toString());
    ApiClient.await(SERVED, () -> alice.edge("GET", "shop.localhost", "/").body(), "prod two"::equals);
    ApiClient.assertProblem(alice.post("/api/v1/projects/shop/rollback", "{}"), 409, "roll back to");
    ApiClient.assertProblem(alice.post("/api/v1/projects/shop/promote",
        "{\"deploymentId\": \"" + prod1.id() + "\"}"), 409, "EXPIRED");
  }

  @Test
  void onS3TheCollectorDeletesUnreferencedBlobsFromTheBucket() throws Exception {
    try (S3ProxyServer s3 = S3ProxyServer.start(temp.resolve("s3"))) {
      String bucket = s3.createBucket("ferry-retention");
      MovableClock clock = new MovableClock();
      startNode(temp.resolve("data"), clock, Map.of("ferry.storage.s3.bucket", bucket,
          "ferry.storage.s3.endpoint", s3.endpoint(), "ferry.storage.s3.region", S3ProxyServer.REGION,
          "ferry.storage.s3.path-style-access", true, "ferry.storage.s3.access-key", S3ProxyServer.ACCESS_KEY,
          "ferry.storage.s3.secret-key", S3ProxyServer.SECRET_KEY));
      ApiClient alice = alice();
      Site production = deploy(alice, "production", Map.of("index.html", "production", "style.css", "shared"));
      Site preview = deploy(alice, "preview", Map.of("index.html", "preview", "style.css", "shared",
          "only-preview.txt", "preview only"));
      String orphan = alice.upload("uploaded to S3, never deployed");
      awaitServed(alice, preview);

      // 31 days on: the preview is past its age and every unreferenced blob past the grace period.
      clock.set(Instant.now().plus(Duration.ofDays(31)));
      ApiClient.Response run = admin().post("/api/v1/admin/retention", "{}");

      assertEquals(200, run.status(), run.body());
      assertEquals(List.of(preview.id()), texts(run.json().get("expired")));
      assertEquals(1, run.json().at("/garbageCollection/manifestsDeleted").asInt(), run.body());
      List<String> keys = s3.keys(bucket);
      for (String digest : List.of(preview.digest("index.html"), preview.digest("only-preview.txt"), orphan)) {
        assertFalse(keys.contains("blobs/" + digest), "collected: " + digest);
      }
      for (String digest : List.of(production.digest("index.html"), production.digest("style.css"))) {
        assertTrue(keys.contains("blobs/" + digest), "kept: " + digest);
      }
      assertEquals(List.of("manifests/" + production.id() + ".json"),
          keys.stream().filter(key -> key.startsWith("manifests/")).toList());
      awaitGone(alice, preview);
      assertEquals("production", alice.edge("GET", "shop.localhost", "/").body());
    }
  }

  private String apiUrl;
  private String edgeUrl;

  private void startNode(Path data, MovableClock clock, Map<String, Object> extra) throws Exception {
    int apiPort = FerryProcess.freePort();
    int edgePort = FerryProcess.freePort();
    Map<String, Object> overrides = new LinkedHashMap<>(extra);
    overrides.put("ferry.data-dir", data.toString());
    overrides.put("ferry.api.interface", "127.0.0.1");
    overrides.put("ferry.api.port", apiPort);
    overrides.put("ferry.edge.interface", "127.0.0.1");
    overrides.put("ferry.edge.port", edgePort);
    overrides.put("ferry.edge.tls-port", 0);
    overrides.put("pekko.remote.artery.canonical.port", FerryProcess.freePort());
    overrides.put("ferry.auth.admin-email", ADMIN);
    overrides.put("ferry.auth.admin-password", ApiClient.PASSWORD);
    overrides.put("ferry.retention.enabled", false); // runs only when the test asks
    overrides.put("ferry.retention.production-keep", 1);
    Config config = FerryNode.configuration(ConfigFactory.parseMap(overrides)
        .withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
    node = FerryNode.start(config, clock);

    apiUrl = "http://127.0.0.1:" + apiPort;
    edgeUrl = "http://127.0.0.1:" + edgePort;
  }

  /** Alice, signed up, with her project "shop". */
  private ApiClient alice() throws Exception {
    ApiClient alice = new ApiClient(apiUrl, edgeUrl);
    alice.signUp("alice@example.com");
    assertEquals(201, alice.post("/api/v1/projects", "{\"name\": \"shop\"}").status());
    return alice;
  }

  private ApiClient admin() throws Exception {
    ApiClient admin = new ApiClient(apiUrl, edgeUrl);
    admin.withToken(admin.post("/api/v1/auth/login", "{\"email\": \"" + ADMIN + "\", \"password\": \""
        + ApiClient.PASSWORD + "\"}").json().get("accessToken").asText());
    return admin;
  }

  /** A deployment of uploaded files: its id, host and the digest of each file. */
  record Site(String id, String host, String index, Map<String, String> digests) {
    String digest(String path) {
      return digests.get(path);
    }
  }

  private static Site deploy(ApiClient api, String target, Map<String, String> files) throws Exception {
    StringBuilder list = new StringBuilder();
    Map<String, String> digests = new LinkedHashMap<>();
    for (Map.Entry<String, String> file : files.entrySet()) {
      String digest = api.upload(file.getValue());
      digests.put(file.getKey(), digest);
      list.append(list.length() == 0 ? "" : ", ").append("{\"path\": \"").append(file.getKey())
          .append("\", \"sha256\": \"").append(digest).append("\", \"size\": ")
          .append(file.getValue().getBytes(StandardCharsets.UTF_8).length).append('}');
    }
    JsonNode deployment = api.deployAndAwait("shop", "{\"target\": \"" + target + "\", \"files\": [" + list + "]}",
        "READY", Duration.ofSeconds(60));
    return new Site(deployment.get("id").asText(), URI.create(deployment.get("url").asText()).getHost(),
        files.get("index.html"), digests);
  }

  private static void awaitServed(ApiClient api, Site site) throws Exception {
    ApiClient.await(SERVED, () -> api.edge("GET", site.host(), "/").body(), site.index()::equals);
  }

  private static void awaitGone(ApiClient api, Site site) throws Exception {
    ApiClient.await(SERVED, () -> api.edge("GET", site.host(), "/").status(), status -> status == 404);
  }

  private static Path blobPath(Path data, String digest) {
    return data.resolve("blobs/blobs").resolve(digest.substring(0, 2)).resolve(digest.substring(2));
  }

  private static void assertStored(Path data, String... digests) {
    for (String digest : digests) {
      assertTrue(Files.isRegularFile(blobPath(data, digest)), "kept: " + digest);
    }
  }

  private static List<String> manifests(Path data) throws Exception {
    try (var files = Files.list(data.resolve("blobs/manifests"))) {
      return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".json"))
          .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }
}
