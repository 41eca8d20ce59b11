package dev.ferry.api;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.account.OpaqueTokens;
import dev.ferry.common.Ids;
import dev.ferry.common.Initiator;
import dev.ferry.deployment.Deployment;
import dev.ferry.project.DeployHook;
import dev.ferry.project.Project;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.http.javadsl.model.Host;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Deploy hooks: {@code /api/v1/projects/{project}/deploy-hooks} creates, lists and deletes them;
 * {@code POST /api/v1/hooks/deploy/{hook}} — no authentication, the URL is the secret — deploys the hook's ref.
 *
 * <p>The secret URL names {@code <project id>.<hook id>.<secret>}: the project id routes it to its Project entity
 * without a lookup table (as refresh tokens name their account), the hook id is public (lists, deletion), and the
 * secret is 256 random bits of which only the SHA-256 is stored. The URL is shown once, when the hook is created.
 */
public final class DeployHookRoutes extends AllDirectives {

  private static final Set<String> FIELDS = Set.of("name", "ref");
  private static final int SECRET_BYTES = 32;
  private static final Pattern HOOK_ID = Pattern.compile("^dh_[a-z0-9]{16}$");
  private static final Pattern PROJECT_ID = Pattern.compile("^prj_[a-z0-9]{1,60}$");
  private static final Pattern SECRET = Pattern.compile("^[A-Za-z0-9_-]{43}$");
  private static final Comparator<DeployHook> ORDER =
      Comparator.comparing(DeployHook::createdAt).thenComparing(DeployHook::id);

  private final ApiContext context;
  private final RequestSupport support;
  private final GitDeployments deployments;

  public DeployHookRoutes(ApiContext context, RequestSupport support) {
    this.context = context;
    this.support = support;
    this.deployments = new GitDeployments(context);
  }

  public Route route() {
    return concat(
        pathPrefix("projects", () -> pathPrefix(segment(), project -> pathPrefix("deploy-hooks", () ->
            support.authenticated(principal -> concat(
                pathEndOrSingleSlash(() -> concat(
                    get(() -> support.page(page -> support.answer(() -> list(principal, project, page)))),
                    post(() -> extractUri(uri -> support.jsonBody(body ->
                        support.answer(() -> create(principal, project, body, origin(uri)))))))),
                path(segment(), id -> delete(() -> support.answer(() -> delete(principal, project, id))))))))),
        path(segment("hooks").slash("deploy").slash(segment()), hook -> post(() ->
            support.answer(() -> trigger(hook)))));
  }

  /** Where this request reached the API ({@code http://host:port}): the hook URL is given on the same address. */
  private static String origin(Uri uri) {
    String scheme = uri.scheme().isEmpty() ? "http" : uri.scheme();
    Host host = uri.host();
    String address = host.address().contains(":") ? "[" + host.address() + "]" : host.address();
    int port = uri.port();
    boolean defaultPort = port == 0 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
    return scheme + "://" + address + (defaultPort ? "" : ":" + port);
  }

  private CompletionStage<HttpResponse> create(Principal principal, String project, String text, String origin) {
    JsonBody body = JsonBody.parse(text, FIELDS);
    String name = body.required("name", DeployHook.MAX_NAME);
    if (name != null && name.isBlank()) {
      body.error("name", "Must not be blank");
    }
    Optional<String> ref = body.matching("ref", 255, ProjectRoutes.GIT_REF, "Must be a branch name");
    body.validate();
    String hookId = "dh_" + Ids.newId(16);
    String secret = OpaqueTokens.randomUrlSafe(SECRET_BYTES);
    return support.project(project, principal).thenCompose(current -> {
      String hookRef = ref.orElse(current.settings().gitBranch());
      return context.<DeployHook>askProject(current.id(), replyTo -> new Project.AddDeployHook(hookId, name.strip(),
              hookRef, OpaqueTokens.sha256Hex(secret), principal.initiator(), replyTo))
          .thenApply(hook -> {
            ObjectNode json = hookJson(hook);
            json.put("url", origin + "/api/v1/hooks/deploy/" + current.id() + "." + hookId + "." + secret);
            return Responses.json(201, json);
          });
    });
  }

  private CompletionStage<HttpResponse> list(Principal principal, String project, Page page) {
    return support.project(project, principal).thenApply(current -> {
      Optional<DeployHook> after = page.cursor().map(id -> current.deployHook(id)
          .orElseThrow(() -> new ApiException(400, "Invalid cursor")));
      List<DeployHook> rows = current.deployHooks().stream()
          .filter(hook -> after.isEmpty() || ORDER.compare(after.get(), hook) < 0)
          .sorted(ORDER)
          .limit(page.limit() + 1L)
          .toList();
      var result = ProjectRoutes.pageOf(rows, page.limit(), DeployHook::id);
      return Responses.list(result.items().stream().map(DeployHookRoutes::hookJson).toList(), result.next());
    });
  }

  private CompletionStage<HttpResponse> delete(Principal principal, String project, String id) {
    return support.project(project, principal)
        .thenCompose(current -> context.<Done>askProject(current.id(),
            replyTo -> new Project.RemoveDeployHook(id, principal.initiator(), replyTo)))
        .thenApply(done -> Responses.noContent());
  }

  /** Deploys the hook's ref; anything wrong with the URL is a plain 404, whatever it was. */
  private CompletionStage<HttpResponse> trigger(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3 || !PROJECT_ID.matcher(parts[0]).matches() || !HOOK_ID.matcher(parts[1]).matches()
        || !SECRET.matcher(parts[2]).matches()) {
      throw ApiException.notFound("Deploy hook");
    }
    String projectId = parts[0];
    String hookId = parts[1];
    String secretHash = OpaqueTokens.sha256Hex(parts[2]);
    Optional<Duration> wait = context.apiPerPrincipal().tryAcquire("deploy-hook:" + hookId);
    if (wait.isPresent()) {
      throw ApiException.tooManyRequests(wait.get());
    }
    return context.<Project.State>askProject(projectId, Project.Get::new)
        .exceptionally(failure -> {
          throw GitDeployments.rejectionStatus(failure) == 404 ? ApiException.notFound("Deploy hook")
              : failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
        })
        .thenCompose(project -> {
          DeployHook hook = project.deployHook(hookId)
              .filter(h -> OpaqueTokens.constantTimeEquals(h.secretHash(), secretHash))
              .orElseThrow(() -> ApiException.notFound("Deploy hook"));
          if (project.settings().gitRepoUrl() == null) {
            throw new ApiException(422, "The project has no Git repository to deploy from");
          }
          Initiator initiator = new Initiator(Initiator.Kind.WEBHOOK, "deploy-hook:" + hookId);
          return deployments.deploy(project, Deployment.Source.branch(hook.ref()), initiator, Optional.empty(),
              Optional.empty());
        })
        .thenApply(outcome -> Responses.json(201, deployments.json(outcome)));
  }

  private static ObjectNode hookJson(DeployHook hook) {
    ObjectNode json = Json.object();
    json.put("id", hook.id());
    json.put("name", hook.name());
    json.put("ref", hook.ref());
    json.put("createdAt", Json.time(hook.createdAt()));
    return json;
  }
}
