package dev.ferry.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ferry.FerrySettings;
import dev.ferry.account.AccessTokens;
import dev.ferry.claim.Claim;
import dev.ferry.common.Initiator;
import dev.ferry.db.Database;
import dev.ferry.db.Sql;
import dev.ferry.deployment.Deployment;
import dev.ferry.git.GitHubPayloads;
import dev.ferry.git.WebhookSignature;
import dev.ferry.logs.BuildLogStore;
import dev.ferry.metrics.NodeMetrics;
import dev.ferry.project.Project;
import dev.ferry.project.ProjectCredentials;
import dev.ferry.project.ProjectSettings;
import dev.ferry.routing.Hosts;
import dev.ferry.secrets.MasterKeyring;
import dev.ferry.secrets.SecretBox;
import dev.ferry.testing.ProjectionTests;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/webhooks/github} over HTTP against real, sharded entities on the in-memory journal, with GitHub's
 * own example payloads (src/test/resources/github). The projects read model is filled by hand, as the project-views
 * projection would fill it.
 */
class GitHubWebhookRoutesTest {

  private static final String SECRET = "It's a Secret to Everybody";
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String PR_BEFORE = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
  private static final String PR_HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
  private static final AtomicInteger counter = new AtomicInteger();

  // The API's global body limit as in application.conf: the webhook route raises it for itself only.
  private static final ProjectionTests kit = ProjectionTests.start(GitHubWebhookRoutesTest.class,
      ConfigFactory.parseString("pekko.http.server.parsing.max-content-length = 1m"));
  private static Path dataDir;
  private static Database database;
  private static ApiContext context;
  private static ServerBinding binding;
  private static SecretBox secrets;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    Project.init(kit.system());
    Deployment.init(kit.system());
    Claim.init(kit.system());
    dataDir = Files.createTempDirectory("webhooks");
    database = ProjectionTests.database(dataDir);
    Config config = ConfigFactory.parseMap(Map.of(
            "ferry.github.webhook-secret", SECRET,
            "ferry.github.max-payload-size", "3 MiB",
            "ferry.data-dir", dataDir.toString()))
        .withFallback(ConfigFactory.parseResources("ferry.conf"))
        .resolve();
    secrets = new SecretBox(MasterKeyring.of(random(32)));
    context = new ApiContext(kit.system(), FerrySettings.from(config), database.dataSource(),
        new Hosts("localhost", "http", 8080), new BuildLogStore(database.dataSource()), new AccessTokens(random(32)),
        secrets);
    binding = Http.get(kit.system()).newServerAt("127.0.0.1", 0).bind(new ApiServer(context, new NodeMetrics(database.dataSource()),
        new dev.ferry.storage.FileSystemBlobStore(dataDir.resolve("blobs"))).route())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    binding.unbind();
    context.close();
    database.close();
    kit.close();
  }

  // Signatures

  @Test
  void unsignedOrWronglySignedDeliveriesAre401AndLeaveNoTrace() throws Exception {
    TestProject project = project("master");
    String body = GitHubPayloads.write(payload("push-branch.json", project));
    String delivery = UUID.randomUUID().toString();

    assertProblem(deliver("push", delivery, body, null), 401, "not signed");
    assertProblem(deliver("push", delivery, body, WebhookSignature.sign("another secret", bytes(body))), 401,
        "does not match");
    assertProblem(deliver("push", delivery, body.replace("Initial commit", "Initial commit!"),
        WebhookSignature.sign(SECRET, bytes(body))), 401, "does not match");
    assertProblem(deliver("push", delivery, body, "sha256=nothex"), 401, "does not match");
    assertProblem(deliver("push", delivery, "{not even json", null), 401, "not signed");

    assertEquals(0, project.state().deploymentCount());
    assertEquals(404, claimOwnerStatus(GitDeployments.deliveryClaim(delivery, project.id())));
    assertTrue(PersistenceTestKit.create(kit.system())
        .persistedInStorage("Claim|" + GitDeployments.deliveryClaim(delivery, project.id())).isEmpty());
  }

  @Test
  void aPingIsAnsweredWithPong() throws Exception {
    HttpResponse<String> response = signed("ping", UUID.randomUUID().toString(), GitHubPayloads.text("ping.json"));
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("pong", json(response).get("result").asText());
    assertEquals("Anything added dilutes everything else.", json(response).get("zen").asText());
  }

  // Pushes

  @Test
  void aPushToTheProductionBranchDeploysProductionWithTheCommitItNames() throws Exception {
    TestProject project = project("master");
    String delivery = UUID.randomUUID().toString();

    HttpResponse<String> response = signed("push", delivery, GitHubPayloads.write(payload("push-branch.json",
        project)));

    assertEquals(202, response.statusCode(), response.body());
    JsonNode made = single(json(response));
    assertEquals("created", made.get("status").asText());
    assertEquals("production", made.get("target").asText());
    assertEquals("master", made.get("branch").asText());
    assertEquals("http://" + project.name() + "-git-master.localhost:8080", made.get("branchUrl").asText());
    Deployment.State deployment = deployment(made.get("deploymentId").asText());
    assertEquals(Deployment.Status.QUEUED, deployment.status());
    assertEquals(Deployment.Source.commit("master", "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "Initial commit",
        "Codertocat <21031067+Codertocat@users.noreply.github.com>"), deployment.source());
    assertEquals(new Initiator(Initiator.Kind.WEBHOOK, "github:" + delivery), deployment.initiator());
    assertEquals(1, project.state().deploymentCount());
  }

  @Test
  void aPushToAnotherBranchDeploysAPreview() throws Exception {
    TestProject project = project("main");
    ObjectNode push = GitHubPayloads.withRepository(GitHubPayloads.push("feature/login", PR_BEFORE, PR_HEAD),
        project.url());

    JsonNode made = single(json(signed("push", UUID.randomUUID().toString(), GitHubPayloads.write(push))));

    assertEquals("preview", made.get("target").asText());
    assertEquals("feature/login", made.get("branch").asText());
    assertEquals("http://" + project.name() + "-git-feature-login.localhost:8080", made.get("branchUrl").asText());
    assertEquals(PR_HEAD, deployment(made.get("deploymentId").asText()).source().commitSha());
  }

  @Test
  void tagPushesAndDeletionsAreAcceptedAndIgnoredWithAReason() throws Exception {
    TestProject project = project("master");
    for (ObjectNode payload : List.of(payload("push-tag.json", project), payload("push-tag-deleted.json", project),
        GitHubPayloads.withRepository(GitHubPayloads.branchDeletion("master"), project.url()))) {
      HttpResponse<String> response = signed("push", UUID.randomUUID().toString(), GitHubPayloads.write(payload));
      assertEquals(202, response.statusCode(), response.body());
      assertTrue(json(response).get("ignored").asText().matches(".*(Tag pushes|was deleted).*"), response.body());
      assertEquals(0, json(response).get("deployments").size());
    }
    assertEquals(0, project.state().deploymentCount());
  }

  @Test
  void aRedeliveryAnswersTheDeploymentItAlreadyMade() throws Exception {
    TestProject project = project("master");
    String delivery = UUID.randomUUID().toString();
    String body = GitHubPayloads.write(payload("push-branch.json", project));

    JsonNode first = single(json(signed("push", delivery, body)));
    JsonNode again = single(json(signed("push", delivery, body)));

    assertEquals("created", first.get("status").asText());
    assertEquals("redelivery", again.get("status").asText());
    assertEquals(first.get("deploymentId"), again.get("deploymentId"));
    assertEquals(1, project.state().deploymentCount());
    // Another delivery of the same payload (a new push to the same commit, as GitHub sees it) deploys again.
    JsonNode other = single(json(signed("push", UUID.randomUUID().toString(), body)));
    assertEquals("created", other.get("status").asText());
    assertNotEquals(first.get("deploymentId"), other.get("deploymentId"));
  }

  @Test
  void theSameDeliveryTwiceAtOnceMakesOneDeployment() throws Exception {
    TestProject project = project("master");
    String delivery = UUID.randomUUID().toString();
    String body = GitHubPayloads.write(payload("push-branch.json", project));
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> answers = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      answers.add(http.sendAsync(HttpRequest.newBuilder(uri("/api/v1/webhooks/github"))
          .header("Content-Type", "application/json")
          .header("X-GitHub-Event", "push")
          .header("X-GitHub-Delivery", delivery)
          .header(WebhookSignature.HEADER, WebhookSignature.sign(SECRET, bytes(body)))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (var answer : answers) {
      HttpResponse<String> response = answer.get(20, TimeUnit.SECONDS);
      assertEquals(202, response.statusCode(), response.body());
      ids.add(single(json(response)).get("deploymentId").asText());
    }
    assertEquals(1, ids.size(), ids.toString());
    assertEquals(Deployment.Status.QUEUED, deployment(ids.iterator().next()).status());
  }

  @Test
  void everyProjectThatBuildsTheRepositoryDeploysWhicheverUrlFormItWasGiven() throws Exception {
    String repository = "acme/shared-" + counter.incrementAndGet();
    TestProject https = project("master", "https://github.com/" + repository + ".git");
    TestProject ssh = project("master", "git@github.com:" + repository.toUpperCase() + ".git");
    ObjectNode push = GitHubPayloads.withRepository(GitHubPayloads.json("push-branch.json"),
        "https://github.com/" + repository);

    JsonNode answer = json(signed("push", UUID.randomUUID().toString(), GitHubPayloads.write(push)));

    assertEquals(2, answer.get("deployments").size(), answer.toString());
    assertEquals(1, https.state().deploymentCount());
    assertEquals(1, ssh.state().deploymentCount());
  }

  @Test
  void anUnknownRepositoryIsIgnored() throws Exception {
    ObjectNode push = GitHubPayloads.withRepository(GitHubPayloads.json("push-branch.json"),
        "https://github.com/nobody/nothing-" + counter.incrementAndGet() + ".git");
    HttpResponse<String> response = signed("push", UUID.randomUUID().toString(), GitHubPayloads.write(push));
    assertEquals(202, response.statusCode(), response.body());
    assertTrue(json(response).get("ignored").asText().startsWith("No project builds github.com/nobody/nothing-"),
        response.body());
  }

  @Test
  void otherEventsAreIgnored() throws Exception {
    HttpResponse<String> response = signed("issues", UUID.randomUUID().toString(),
        GitHubPayloads.text("issues-opened.json"));
    assertEquals(202, response.statusCode(), response.body());
    assertTrue(json(response).get("ignored").asText().contains("issues"), response.body());
  }

  // Pull requests

  @Test
  void pullRequestsDeployPreviewsAndAPushAndItsSynchronizeMakeOneDeployment() throws Exception {
    TestProject project = project("master");

    JsonNode opened = single(json(signed("pull_request", UUID.randomUUID().toString(),
        GitHubPayloads.write(payload("pull_request-opened.json", project)))));
    assertEquals("created", opened.get("status").asText());
    assertEquals("preview", opened.get("target").asText());
    assertEquals("changes", opened.get("branch").asText());
    assertEquals(PR_HEAD, deployment(opened.get("deploymentId").asText()).source().commitSha());

    // GitHub sends a push and a synchronize for the same push: one deployment between them.
    ObjectNode push = GitHubPayloads.withRepository(GitHubPayloads.push("changes", PR_BEFORE, PR_HEAD),
        project.url());
    JsonNode pushed = single(json(signed("push", UUID.randomUUID().toString(), GitHubPayloads.write(push))));
    JsonNode synchronized_ = single(json(signed("pull_request", UUID.randomUUID().toString(),
        GitHubPayloads.write(payload("pull_request-synchronize.json", project)))));
    assertEquals("created", pushed.get("status").asText());
    assertEquals("duplicate", synchronized_.get("status").asText());
    assertEquals(pushed.get("deploymentId"), synchronized_.get("deploymentId"));
    assertEquals(2, project.state().deploymentCount());

    JsonNode reopened = single(json(signed("pull_request", UUID.randomUUID().toString(),
        GitHubPayloads.write(payload("pull_request-reopened.json", project)))));
    assertEquals("created", reopened.get("status").asText());
    assertEquals(3, project.state().deploymentCount());
  }

  @Test
  void aClosedPullRequestClosesItsBranch() throws Exception {
    TestProject project = project("master");
    signed("pull_request", UUID.randomUUID().toString(),
        GitHubPayloads.write(payload("pull_request-opened.json", project)));

    HttpResponse<String> response = signed("pull_request", UUID.randomUUID().toString(),
        GitHubPayloads.write(payload("pull_request-closed.json", project)));

    assertEquals(202, response.statusCode(), response.body());
    JsonNode closed = json(response).get("closed").get(0);
    assertEquals("changes", closed.get("branch").asText());
    List<Object> events = PersistenceTestKit.create(kit.system()).persistedInStorage("Project|" + project.id());
    Project.BranchClosed event = events.stream().filter(Project.BranchClosed.class::isInstance)
        .map(Project.BranchClosed.class::cast).findFirst().orElseThrow(() -> new AssertionError(events));
    assertEquals("changes", event.branch());
    assertEquals(1, event.throughNumber());
  }

  // Scope of a project's own secret

  @Test
  void aDeliverySignedWithAProjectsOwnSecretDeploysThatProjectOnly() throws Exception {
    String url = "https://github.com/acme/own-secret-" + counter.incrementAndGet() + ".git";
    TestProject own = project("master", url);
    TestProject other = project("master", url);
    String projectSecret = "project-secret-" + UUID.randomUUID();
    Project.State state = own.state();
    GitHubWebhookRoutesTest.<Project.State>ask(own.id(), replyTo -> new Project.SetCredential(Project.GITHUB_WEBHOOK_SECRET,
        ProjectCredentials.seal(secrets, state, Project.GITHUB_WEBHOOK_SECRET, projectSecret), Initiator.user("u"),
        replyTo));
    String body = GitHubPayloads.write(GitHubPayloads.withRepository(GitHubPayloads.json("push-branch.json"), url));
    String signature = WebhookSignature.sign(projectSecret, bytes(body));

    assertProblem(deliver("push", UUID.randomUUID().toString(), body, signature), 401, "does not match");
    JsonNode answer = json(post("/api/v1/webhooks/github?project=" + own.name(), "push",
        UUID.randomUUID().toString(), body, signature, "application/json"));
    assertEquals(own.id(), single(answer).get("projectId").asText());
    assertEquals(1, own.state().deploymentCount());
    assertEquals(0, other.state().deploymentCount());
    assertProblem(post("/api/v1/webhooks/github?project=" + other.name(), "push", UUID.randomUUID().toString(), body,
        signature, "application/json"), 401, "does not match");
  }

  // Superseding

  @Test
  void aNewerPushCancelsTheStillQueuedOlderBuildOfItsBranch() throws Exception {
    TestProject project = project("main");
    ObjectNode first = GitHubPayloads.withRepository(GitHubPayloads.push("feature/x", PR_BEFORE, PR_HEAD),
        project.url());
    String older = single(json(signed("push", UUID.randomUUID().toString(), GitHubPayloads.write(first))))
        .get("deploymentId").asText();
    TestProject.viewDeployment(older, project.id(), 1, "feature/x");

    ObjectNode second = GitHubPayloads.withRepository(GitHubPayloads.push("feature/x", PR_HEAD,
        "1111111111111111111111111111111111111111"), project.url());
    String newer = single(json(signed("push", UUID.randomUUID().toString(), GitHubPayloads.write(second))))
        .get("deploymentId").asText();

    kit.awaitAssert(() -> assertEquals(Deployment.Status.CANCELED, deployment(older).status()));
    assertEquals(Deployment.Status.QUEUED, deployment(newer).status());
    List<Object> events = PersistenceTestKit.create(kit.system()).persistedInStorage("Deployment|" + older);
    assertTrue(events.stream().anyMatch(e -> e instanceof Deployment.DeploymentCanceled canceled
        && newer.equals(canceled.supersededBy())), events.toString());
  }

  // Deploy hooks

  @Test
  void aDeployHookUrlThatIsMalformedOrUnknownIsNotFound() throws Exception {
    TestProject project = project("main");
    String secret = "A".repeat(43);
    for (String token : List.of("nothing", project.id() + ".dh_aaaaaaaaaaaaaaaa", project.id()
        + ".dh_aaaaaaaaaaaaaaaa." + secret, "prj_missing.dh_aaaaaaaaaaaaaaaa." + secret,
        project.id() + ".dh_aaaaaaaaaaaaaaaa." + secret + ".extra")) {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/api/v1/hooks/deploy/" + token))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertProblem(response, 404, "Deploy hook not found");
    }
    assertEquals(0, project.state().deploymentCount());
  }

  // Transport

  @Test
  void aFormEncodedDeliveryIsReadFromItsPayloadField() throws Exception {
    TestProject project = project("master");
    String form = "payload=" + URLEncoder.encode(GitHubPayloads.write(payload("push-branch.json", project)),
        StandardCharsets.UTF_8);
    HttpResponse<String> response = post("/api/v1/webhooks/github", "push", UUID.randomUUID().toString(), form,
        WebhookSignature.sign(SECRET, bytes(form)), "application/x-www-form-urlencoded");
    assertEquals(202, response.statusCode(), response.body());
    assertEquals("created", single(json(response)).get("status").asText());
  }

  @Test
  void deliveriesLargerThanTheApisLimitButWithinGitHubsAreAccepted() throws Exception {
    TestProject project = project("master");
    ObjectNode push = payload("push-branch.json", project);
    push.put("padding", "x".repeat(2 * 1024 * 1024));
    HttpResponse<String> large = signed("push", UUID.randomUUID().toString(), GitHubPayloads.write(push));
    assertEquals(202, large.statusCode(), large.body());

    push.put("padding", "x".repeat(4 * 1024 * 1024));
    assertEquals(413, signed("push", UUID.randomUUID().toString(), GitHubPayloads.write(push)).statusCode());
    // Elsewhere the API keeps its 1 MiB limit.
    HttpResponse<String> elsewhere = http.send(HttpRequest.newBuilder(uri("/api/v1/auth/login"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"email\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(413, elsewhere.statusCode(), elsewhere.body());
  }

  @Test
  void missingHeadersAreBadRequestsOnceTheSignatureChecksOut() throws Exception {
    TestProject project = project("master");
    String body = GitHubPayloads.write(payload("push-branch.json", project));
    String signature = WebhookSignature.sign(SECRET, bytes(body));
    assertProblem(post("/api/v1/webhooks/github", null, UUID.randomUUID().toString(), body, signature,
        "application/json"), 400, "X-GitHub-Event");
    assertProblem(post("/api/v1/webhooks/github", "push", null, body, signature, "application/json"), 400,
        "X-GitHub-Delivery");
    assertEquals(0, project.state().deploymentCount());
  }

  // Set-up

  private record TestProject(String id, String name, String url) {

    Project.State state() throws Exception {
      return ask(id, Project.Get::new);
    }

    /** What the deployment-views projection writes for a queued deployment. */
    static void viewDeployment(String deploymentId, String projectId, long number, String branch) throws Exception {
      Sql.update(database.dataSource(), "INSERT INTO deployments (id, project_id, number, state, target, created_at, "
              + "updated_at, branch) VALUES (?, ?, ?, 'QUEUED', 'preview', ?, ?, ?)", deploymentId, projectId, number,
          Instant.now(), Instant.now(), branch);
    }
  }

  private static TestProject project(String productionBranch) throws Exception {
    return project(productionBranch, "https://github.com/acme/site-" + counter.incrementAndGet() + ".git");
  }

  /** A project as the API creates it (entity and name claim), and its row as the project-views projection writes it. */
  private static TestProject project(String productionBranch, String url) throws Exception {
    int n = counter.incrementAndGet();
    String id = "prj_test" + n;
    String name = "site" + n;
    Initiator owner = Initiator.user("usr_alice");
    ClusterSharding.get(kit.system()).entityRefFor(Claim.ENTITY_KEY, Claim.entityId(Claim.PROJECT_NAME, name))
        .<Done>askWithStatus(replyTo -> new Claim.Acquire(id, owner, replyTo), TIMEOUT)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    ProjectSettings settings = new ProjectSettings(url, productionBranch, null, null, null, null, null);
    GitHubWebhookRoutesTest.<Project.State>ask(id,
        replyTo -> new Project.Create(name, "usr_alice", settings, secrets.newDataKey(), owner, replyTo));
    Sql.update(database.dataSource(), "INSERT INTO projects (id, name, owner, git_repo_url, git_branch, created_at, "
            + "updated_at, repo_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", id, name, "usr_alice", url, productionBranch,
        Instant.now(), Instant.now(), dev.ferry.git.RepositoryKey.of(url).orElseThrow());
    return new TestProject(id, name, url);
  }

  private static ObjectNode payload(String file, TestProject project) {
    return GitHubPayloads.withRepository(GitHubPayloads.json(file), project.url());
  }

  private static <T> T ask(String projectId, Function<ActorRef<StatusReply<T>>, Project.Command> command)
      throws Exception {
    CompletionStage<T> reply = ClusterSharding.get(kit.system()).entityRefFor(Project.ENTITY_KEY, projectId)
        .askWithStatus(command::apply, TIMEOUT);
    return reply.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Deployment.State deployment(String id) throws Exception {
    return ClusterSharding.get(kit.system()).entityRefFor(Deployment.ENTITY_KEY, id)
        .<Deployment.State>askWithStatus(Deployment.Get::new, TIMEOUT).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static int claimOwnerStatus(String claimId) throws Exception {
    try {
      ClusterSharding.get(kit.system()).entityRefFor(Claim.ENTITY_KEY, claimId)
          .<String>askWithStatus(Claim.GetOwner::new, TIMEOUT).toCompletableFuture().get(10, TimeUnit.SECONDS);
      return 200;
    } catch (java.util.concurrent.ExecutionException e) {
      return dev.ferry.common.Rejection.status(e.getCause().getMessage());
    }
  }

  private static HttpResponse<String> signed(String event, String delivery, String body) throws Exception {
    return deliver(event, delivery, body, WebhookSignature.sign(SECRET, bytes(body)));
  }

  private static HttpResponse<String> deliver(String event, String delivery, String body, String signature)
      throws Exception {
    return post("/api/v1/webhooks/github", event, delivery, body, signature, "application/json");
  }

  private static HttpResponse<String> post(String path, String event, String delivery, String body,
      String signature, String contentType) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
        .header("Content-Type", contentType)
        .header("User-Agent", "GitHub-Hookshot/test")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    Optional.ofNullable(event).ifPresent(e -> request.header("X-GitHub-Event", e));
    Optional.ofNullable(delivery).ifPresent(d -> request.header("X-GitHub-Delivery", d));
    Optional.ofNullable(signature).ifPresent(s -> request.header(WebhookSignature.HEADER, s));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + path);
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return Json.MAPPER.readTree(response.body());
  }

  private static JsonNode single(JsonNode answer) {
    assertEquals(1, answer.get("deployments").size(), answer.toString());
    return answer.get("deployments").get(0);
  }

  private static void assertProblem(HttpResponse<String> response, int status, String detail) throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
    assertTrue(json(response).get("detail").asText().contains(detail), response.body());
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] random(int length) {
    byte[] bytes = new byte[length];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }
}
