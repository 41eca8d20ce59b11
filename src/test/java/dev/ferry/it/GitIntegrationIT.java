package dev.ferry.it;

import static dev.ferry.it.ApiClient.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.git.GitHubPayloads;
import dev.ferry.git.WebhookSignature;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.RefSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deploy on push, end to end on a real node: GitHub's own push and pull_request payloads (with the repository URL and
 * commits replaced by those of a local bare repository) are signed and delivered to the webhook; the pushed commits
 * are built and served on the production host and on their branch aliases; a redelivery makes nothing new; a closed
 * pull request takes its branch alias away; a deploy hook's secret URL builds its ref.
 */
class GitIntegrationIT {

  private static final Duration BUILD_TIMEOUT = Duration.ofSeconds(90);
  private static final String SECRET = "webhook-secret-" + UUID.randomUUID();
  private static final String ZERO = "0".repeat(40);

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
  void pushesDeployProductionAndBranchPreviewsOnceEachAndDeployHooksBuildTheirRef() throws Exception {
    Path bare = temp.resolve("site.git");
    Git.init().setBare(true).setDirectory(bare.toFile()).setInitialBranch("main").call().close();
    String repoUrl = bare.toUri().toString();
    Path work = temp.resolve("work");
    Git git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call();
    RevCommit v1 = commit(git, work, "main v1", "Hello from main");
    push(git, repoUrl, "main");

    node = new FerryProcess(temp.resolve("data"), Map.of(
        "FERRY_ALLOW_LOCAL_REPOS", "true",
        "FERRY_GITHUB_WEBHOOK_SECRET", SECRET)).start();
    ApiClient client = new ApiClient(node.api(), node.edge());
    client.signUp("pusher@example.com");
    ApiClient.Response created = client.post("/api/v1/projects",
        "{\"name\": \"gitsite\", \"gitRepoUrl\": \"" + repoUrl + "\"}");
    assertEquals(201, created.status(), created.body());

    // Unsigned and wrongly signed deliveries are refused and make nothing.
    String firstPush = GitHubPayloads.write(push(repoUrl, "main", ZERO, v1));
    assertProblem(deliver(client, "push", UUID.randomUUID().toString(), firstPush, null), 401, "not signed");
    assertProblem(deliver(client, "push", UUID.randomUUID().toString(), firstPush,
        WebhookSignature.sign("wrong", firstPush.getBytes(StandardCharsets.UTF_8))), 401, "does not match");

    // A push to the production branch: accepted at once, built, served in production and on the branch alias.
    // The project-views read model trails the project's creation by a moment: until it has the project, the
    // delivery is answered "no project builds it", as GitHub's redelivery would be.
    String delivery = UUID.randomUUID().toString();
    JsonNode accepted = ApiClient.await(Duration.ofSeconds(10), () -> signed(client, "push", delivery, firstPush)
        .json(), answer -> answer.get("deployments").size() == 1);
    JsonNode made = accepted.get("deployments").get(0);
    assertEquals("created", made.get("status").asText(), accepted.toString());
    assertEquals("production", made.get("target").asText());
    String first = made.get("deploymentId").asText();
    JsonNode firstReady = awaitFinished(client, first, "READY");
    assertEquals(v1.name(), firstReady.at("/source/commitSha").asText());
    assertEquals("Hello from main", firstReady.at("/source/commitMessage").asText());
    assertEquals("main", firstReady.at("/source/branch").asText());
    assertEquals("webhook", firstReady.get("initiator").asText());
    awaitServed(client, "gitsite.localhost", "main v1");
    awaitServed(client, "gitsite-git-main.localhost", "main v1");

    // The same delivery again (GitHub's redelivery) answers the deployment it made and makes no other.
    JsonNode again = signed(client, "push", delivery, firstPush).json().get("deployments").get(0);
    assertEquals("redelivery", again.get("status").asText());
    assertEquals(first, again.get("deploymentId").asText());

    // A push to another branch: a preview on the branch's alias; production stays.
    git.checkout().setCreateBranch(true).setName("feature/blue").call();
    RevCommit blue = commit(git, work, "blue", "Paint it blue");
    push(git, repoUrl, "feature/blue");
    JsonNode preview = signed(client, "push", UUID.randomUUID().toString(),
        GitHubPayloads.write(push(repoUrl, "feature/blue", ZERO, blue))).json().get("deployments").get(0);
    assertEquals("preview", preview.get("target").asText());
    assertEquals("http://gitsite-git-feature-blue.localhost:" + node.edgePort(), preview.get("branchUrl").asText());
    JsonNode previewReady = awaitFinished(client, preview.get("deploymentId").asText(), "READY");
    assertEquals(blue.name(), previewReady.at("/source/commitSha").asText());
    awaitServed(client, "gitsite-git-feature-blue.localhost", "blue");
    assertTrue(client.edge("GET", "gitsite.localhost", "/").body().contains("main v1"), "production stays");
    JsonNode withAlias = ApiClient.await(Duration.ofSeconds(10),
        () -> client.get("/api/v1/deployments/" + preview.get("deploymentId").asText()).json(),
        deployment -> deployment.get("aliases").toString().contains("gitsite-git-feature-blue.localhost"));
    assertFalse(withAlias.get("aliases").toString().contains("gitsite.localhost:"), withAlias.toString());

    // Its pull request is closed: the branch alias goes, the deployment's own URL stays.
    ObjectNode closed = GitHubPayloads.withRepository(GitHubPayloads.json("pull_request-closed.json"), repoUrl);
    ((ObjectNode) closed.path("pull_request").path("head")).put("ref", "feature/blue").put("sha", blue.name());
    ApiClient.Response closing = signed(client, "pull_request", UUID.randomUUID().toString(),
        GitHubPayloads.write(closed));
    assertEquals(202, closing.status(), closing.body());
    ApiClient.await(Duration.ofSeconds(10), () -> client.edge("GET", "gitsite-git-feature-blue.localhost", "/")
        .status(), status -> status == 404);
    assertTrue(client.edge("GET", "gitsite-" + preview.get("deploymentId").asText() + ".localhost", "/").body()
        .contains("blue"));

    // Deploy hooks: created with a secret URL (shown once), listed without it, triggered without credentials.
    ApiClient.Response hook = client.post("/api/v1/projects/gitsite/deploy-hooks",
        "{\"name\": \"Nightly\", \"ref\": \"main\"}");
    assertEquals(201, hook.status(), hook.body());
    String hookUrl = hook.json().get("url").asText();
    assertTrue(hookUrl.startsWith(node.api() + "/api/v1/hooks/deploy/"), hookUrl);
    JsonNode hooks = client.get("/api/v1/projects/gitsite/deploy-hooks").json();
    assertEquals(1, hooks.get("items").size(), hooks.toString());
    assertEquals(hook.json().get("id"), hooks.get("items").get(0).get("id"));
    assertFalse(hooks.toString().contains(hookUrl.substring(hookUrl.lastIndexOf('.') + 1)), "the secret is not listed");

    git.checkout().setName("main").call();
    RevCommit v2 = commit(git, work, "main v2", "Second release");
    push(git, repoUrl, "main");
    ApiClient anonymous = new ApiClient(node.api(), node.edge());
    ApiClient.Response triggered = anonymous.send(HttpRequest.newBuilder(URI.create(hookUrl))
        .POST(HttpRequest.BodyPublishers.noBody()));
    assertEquals(201, triggered.status(), triggered.body());
    String hooked = triggered.json().get("deploymentId").asText();
    assertNotEquals(first, hooked);
    JsonNode hookedReady = awaitFinished(client, hooked, "READY");
    assertEquals(v2.name(), hookedReady.at("/source/commitSha").asText());
    awaitServed(client, "gitsite.localhost", "main v2");

    String forged = hookUrl.substring(0, hookUrl.length() - 4) + "AAAA";
    assertProblem(anonymous.send(HttpRequest.newBuilder(URI.create(forged)).POST(HttpRequest.BodyPublishers.noBody())),
        404, "not found");
    assertEquals(204, client.delete("/api/v1/projects/gitsite/deploy-hooks/" + hook.json().get("id").asText())
        .status());
    assertProblem(anonymous.send(HttpRequest.newBuilder(URI.create(hookUrl)).POST(HttpRequest.BodyPublishers.noBody())),
        404, "not found");

    // Three deployments in all: the redelivery made none.
    JsonNode list = client.get("/api/v1/projects/gitsite/deployments").json();
    assertEquals(3, list.get("items").size(), list.toString());

    // A private repository's access token is write-only.
    ApiClient.Response patched = client.patch("/api/v1/projects/gitsite",
        "{\"gitAccessToken\": \"ghp_not_a_real_token_0123456789\"}");
    assertEquals(200, patched.status(), patched.body());
    assertTrue(patched.json().get("gitAccessTokenSet").asBoolean());
    assertFalse(patched.body().contains("ghp_not_a_real_token"), patched.body());
    assertFalse(client.get("/api/v1/projects/gitsite").body().contains("ghp_not_a_real_token"));
    assertFalse(node.log().contains("ghp_not_a_real_token"), "the token is not logged");
    assertFalse(node.log().contains(SECRET), "nor the webhook secret");
  }

  /** GitHub's example push, moved to this repository, branch and commit. */
  private static ObjectNode push(String repoUrl, String branch, String before, RevCommit commit) {
    ObjectNode push = GitHubPayloads.withRepository(GitHubPayloads.push(branch, before, commit.name()), repoUrl);
    ((ObjectNode) push.get("head_commit")).put("message", commit.getFullMessage());
    return push;
  }

  private static ApiClient.Response signed(ApiClient client, String event, String delivery, String body)
      throws Exception {
    return deliver(client, event, delivery, body,
        WebhookSignature.sign(SECRET, body.getBytes(StandardCharsets.UTF_8)));
  }

  private static ApiClient.Response deliver(ApiClient client, String event, String delivery, String body,
      String signature) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(client.api() + "/api/v1/webhooks/github"))
        .header("Content-Type", "application/json")
        .header("X-GitHub-Event", event)
        .header("X-GitHub-Delivery", delivery)
        .header("Authorization", "none")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (signature != null) {
      request.header(WebhookSignature.HEADER, signature);
    }
    return client.send(request);
  }

  private static JsonNode awaitFinished(ApiClient client, String id, String state) throws Exception {
    JsonNode finished = ApiClient.await(BUILD_TIMEOUT, () -> client.get("/api/v1/deployments/" + id).json(),
        deployment -> Set.of("READY", "ERROR", "CANCELED").contains(deployment.get("state").asText()));
    assertEquals(state, finished.get("state").asText(), finished.toString());
    return finished;
  }

  private static void awaitServed(ApiClient client, String host, String text) throws Exception {
    ApiClient.await(Duration.ofSeconds(10), () -> client.edge("GET", host, "/").body(), body -> body.contains(text));
  }

  private static RevCommit commit(Git git, Path work, String version, String message) throws Exception {
    Files.writeString(work.resolve("index.html"), "<!doctype html><h1>Hello " + version + "</h1>\n");
    git.add().addFilepattern("index.html").call();
    return git.commit().setMessage(message).setAuthor("Dev", "dev@example.com")
        .setCommitter("Dev", "dev@example.com").call();
  }

  private static void push(Git git, String repoUrl, String branch) throws Exception {
    git.push().setRemote(repoUrl).setRefSpecs(new RefSpec("refs/heads/" + branch + ":refs/heads/" + branch))
        .setForce(true).call();
  }
}
