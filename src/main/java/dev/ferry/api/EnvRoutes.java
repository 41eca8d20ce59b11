package dev.ferry.api;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.ferry.common.Ids;
import dev.ferry.project.EnvVar;
import dev.ferry.project.EnvVarValues;
import dev.ferry.project.Project;
import dev.ferry.secrets.SecretBoxException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/v1/projects/{project}/env}: a project's environment variables. Values are sealed under the project's
 * data key here, before they reach the entity; lists never show a value, a single plain variable shows its value,
 * a secret's value is never shown again.
 */
public final class EnvRoutes extends AllDirectives {

  private static final Logger log = LoggerFactory.getLogger(EnvRoutes.class);
  private static final Comparator<EnvVar> ORDER =
      Comparator.comparing(EnvVar::createdAt).thenComparing(EnvVar::id);

  private final ApiContext context;
  private final RequestSupport support;
  private final Representations representations;

  public EnvRoutes(ApiContext context, RequestSupport support) {
    this.context = context;
    this.support = support;
    this.representations = new Representations(context.hosts());
  }

  /** The path is matched before authenticating, so other project routes are not authenticated twice. */
  public Route route() {
    return pathPrefix("projects", () -> pathPrefix(segment(), project -> pathPrefix("env", () ->
        support.authenticated(principal -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> support.page(page -> support.answer(() -> list(principal, project, page)))),
                post(() -> support.jsonBody(body -> support.answer(() -> create(principal, project, body)))))),
            pathPrefix(segment(), id -> pathEndOrSingleSlash(() -> concat(
                get(() -> support.answer(() -> get(principal, project, id))),
                delete(() -> support.answer(() -> delete(principal, project, id)))))))))));
  }

  /** Oldest first; the cursor is the creation time and id of the last variable shown. */
  private CompletionStage<HttpResponse> list(Principal principal, String project, Page page) {
    Cursor after = page.cursor().map(Cursor::parse).orElse(null);
    return support.project(project, principal).thenApply(current -> {
      List<EnvVar> rows = current.envVars().stream()
          .filter(v -> after == null || after.isBefore(v))
          .sorted(ORDER)
          .limit(page.limit() + 1L)
          .toList();
      var result = ProjectRoutes.pageOf(rows, page.limit(), v -> v.createdAt() + "|" + v.id());
      return Responses.list(result.items().stream().map(v -> representations.envVar(v, null)).toList(),
          result.next());
    });
  }

  private CompletionStage<HttpResponse> create(Principal principal, String project, String text) {
    EnvVarInput input = EnvVarInput.parse(text);
    String envId = Ids.envVarId();
    return support.project(project, principal).thenCompose(current -> {
      String sealed;
      try (EnvVarValues values = values(current)) {
        sealed = values.seal(envId, input.value());
      }
      return context.<EnvVar>askProject(current.id(), replyTo -> new Project.SetEnvVar(envId, input.key(),
          input.targets(), input.type(), input.buildTime(), sealed, principal.initiator(), replyTo));
    }).thenApply(created -> Responses.json(201, representations.envVar(created, input.value())));
  }

  private CompletionStage<HttpResponse> get(Principal principal, String project, String id) {
    return support.project(project, principal).thenApply(current -> {
      EnvVar envVar = current.envVar(id).orElseThrow(() -> ApiException.notFound("Environment variable"));
      if (envVar.isSecret()) {
        return Responses.json(200, representations.envVar(envVar, null));
      }
      try (EnvVarValues values = values(current)) {
        return Responses.json(200, representations.envVar(envVar, values.open(envVar)));
      } catch (SecretBoxException e) {
        log.error("Environment variable {} of project {} does not decrypt: {}", id, current.id(), e.getMessage());
        throw new ApiException(500, "The variable's value cannot be decrypted");
      }
    });
  }

  private CompletionStage<HttpResponse> delete(Principal principal, String project, String id) {
    return support.project(project, principal)
        .thenCompose(current -> context.<Done>askProject(current.id(),
            replyTo -> new Project.RemoveEnvVar(id, principal.initiator(), replyTo)))
        .thenApply(done -> Responses.noContent());
  }

  private EnvVarValues values(Project.State project) {
    if (project.dataKey() == null) {
      throw new ApiException(409, "The project has no data key yet: it was created before environment variables "
          + "existed and gets one when a node starts");
    }
    try {
      return EnvVarValues.of(context.secrets(), project);
    } catch (SecretBoxException e) {
      log.error("The data key of project {} cannot be unwrapped: {}", project.id(), e.getMessage());
      throw new ApiException(500, "The project's data key cannot be unwrapped: the master key that wrapped it is "
          + "not configured on this node");
    }
  }

  private record Cursor(Instant createdAt, String id) {

    static Cursor parse(String text) {
      String[] parts = text.split("\\|", 2);
      try {
        if (parts.length == 2) {
          return new Cursor(Instant.parse(parts[0]), parts[1]);
        }
      } catch (DateTimeParseException e) {
        // falls through
      }
      throw new ApiException(400, "Invalid cursor");
    }

    boolean isBefore(EnvVar envVar) {
      int byTime = createdAt.compareTo(envVar.createdAt());
      return byTime < 0 || (byTime == 0 && id.compareTo(envVar.id()) < 0);
    }
  }
}
