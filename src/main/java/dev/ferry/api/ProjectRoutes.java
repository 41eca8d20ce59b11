package dev.ferry.api;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.claim.Claim;
import dev.ferry.common.Ids;
import dev.ferry.common.Initiator;
import dev.ferry.db.Sql;
import dev.ferry.deployment.Deployment;
import dev.ferry.project.Project;
import dev.ferry.project.ProjectCredentials;
import dev.ferry.project.ProjectSettings;
import dev.ferry.routing.ProductionPush;
import dev.ferry.routing.RouteTable;
import dev.ferry.secrets.SecretBoxException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code /api/v1/projects}: create, list, read, change and delete projects; deploy, promote and roll back. */
public final class ProjectRoutes extends AllDirectives {

  static final Pattern NAME = Pattern.compile("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
  static final Pattern GIT_REF = Pattern.compile("^(?!-)(?!/)(?!.*\\.\\.)[A-Za-z0-9._/-]{1,255}$");
  private static final Set<String> PROJECT_FIELDS = Set.of("name", "gitRepoUrl", "gitBranch", "rootDirectory",
      "framework", "installCommand", "buildCommand", "outputDirectory");
  private static final Set<String> DEPLOY_FIELDS = Set.of("ref", "target", "files", "prebuilt");
  /** PATCH also takes the write-only credentials: they are sealed here and never shown again. */
  private static final Set<String> UPDATE_FIELDS = Set.of("name", "gitRepoUrl", "gitBranch", "rootDirectory",
      "framework", "installCommand", "buildCommand", "outputDirectory", Project.GIT_ACCESS_TOKEN,
      Project.GITHUB_WEBHOOK_SECRET);
  private static final int MAX_CREDENTIAL = 4096;

  private final ApiContext context;
  private final RequestSupport support;
  private final Representations representations;
  private final Uploads uploads;
  private final ProductionPush productionPush;

  public ProjectRoutes(ApiContext context, RequestSupport support, Uploads uploads) {
    this.context = context;
    this.support = support;
    this.representations = new Representations(context.hosts());
    this.uploads = uploads;
    this.productionPush = new ProductionPush(RouteTable.get(context.system()), context.hosts());
  }

  public Route route() {
    return pathPrefix("projects", () -> support.authenticated(principal -> concat(
        pathEndOrSingleSlash(() -> concat(
            post(() -> support.jsonBody(body -> support.answer(() -> create(principal, body)))),
            get(() -> support.page(page -> support.answer(() -> list(principal, page)))))),
        pathPrefix(segment(), project -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> support.answer(() -> get(principal, project))),
                patch(() -> support.jsonBody(body -> support.answer(() -> update(principal, project, body)))),
                delete(() -> support.answer(() -> delete(principal, project))))),
            path("deployments", () -> concat(
                post(() -> withSizeLimit(Uploads.MAX_DEPLOY_BODY_BYTES, () -> support.jsonBody(body ->
                    support.answer(() -> deploy(principal, project, body))))),
                get(() -> parameterOptional("target", target -> parameterOptional("state", state ->
                    support.page(page -> support.answer(() ->
                        deployments(principal, project, target, state, page)))))))),
            path("promote", () -> post(() -> support.jsonBody(body ->
                support.answer(() -> promote(principal, project, body))))),
            path("rollback", () -> post(() -> support.jsonBody(body ->
                support.answer(() -> rollback(principal, project, body)))))))))
    );
  }

  // Projects

  private CompletionStage<HttpResponse> create(Principal principal, String text) {
    JsonBody body = JsonBody.parse(text, PROJECT_FIELDS);
    String name = body.required("name", 63);
    if (name != null && !NAME.matcher(name).matches()) {
      body.error("name", "Must be a DNS label: lower-case letters, digits and '-', 1 to 63 characters, "
          + "not starting or ending with '-'");
    }
    ProjectSettings settings = settings(body, null);
    body.validate();
    String projectId = Ids.projectId();
    Initiator initiator = principal.initiator();
    String claimId = Claim.entityId(Claim.PROJECT_NAME, name);
    return context.<Done>askClaim(claimId, replyTo -> new Claim.Acquire(projectId, initiator, replyTo))
        .exceptionally(failure -> {
          throw new ApiException(409, "Project name '" + name + "' is already taken");
        })
        .thenCompose(done -> context.<Project.State>askProject(projectId,
            replyTo -> new Project.Create(name, principal.userId(), settings, context.secrets().newDataKey(),
                initiator, replyTo)))
        .thenApply(project -> Responses.json(201, representations.project(project)));
  }

  private CompletionStage<HttpResponse> list(Principal principal, Page page) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        String[] after = page.cursor().map(c -> c.split(":", 2)).orElse(new String[] {"0", ""});
        List<Project.State> rows = Sql.query(context.dataSource(),
            "SELECT * FROM projects WHERE owner = ? AND deleted = FALSE AND "
                + "(created_at > ? OR (created_at = ? AND id > ?)) ORDER BY created_at, id LIMIT ?",
            ProjectRoutes::projectRow, principal.userId(), instant(after[0]), instant(after[0]), after[1],
            page.limit() + 1);
        return pageOf(rows, page.limit(), p -> p.createdAt().toEpochMilli() + ":" + p.id());
      } catch (SQLException | NumberFormatException e) {
        throw new ApiException(400, "Invalid cursor");
      }
    }, context.blocking()).thenApply(result -> Responses.list(
        result.items().stream().map(representations::project).toList(), result.next()));
  }

  private CompletionStage<HttpResponse> get(Principal principal, String project) {
    return support.project(project, principal)
        .thenApply(p -> Responses.json(200, representations.projectWithCredentials(p)));
  }

  private CompletionStage<HttpResponse> update(Principal principal, String project, String text) {
    JsonBody body = JsonBody.parse(text, UPDATE_FIELDS);
    return support.project(project, principal).thenCompose(current -> {
      if (body.has("name") && !current.name().equals(body.string("name", 63).orElse(null))) {
        body.error("name", "A project's name cannot be changed");
      }
      ProjectSettings settings = settings(body, current.settings());
      Map<String, Optional<String>> credentials = new LinkedHashMap<>();
      for (String credential : List.of(Project.GIT_ACCESS_TOKEN, Project.GITHUB_WEBHOOK_SECRET)) {
        if (body.has(credential)) {
          Optional<String> value = body.string(credential, MAX_CREDENTIAL).filter(v -> !v.isEmpty());
          if (value.isPresent() && (value.get().isBlank() || value.get().indexOf('\0') >= 0)) {
            body.error(credential, "Must not be blank or hold NUL characters");
          }
          credentials.put(credential, value);
        }
      }
      body.validate();
      Initiator initiator = principal.initiator();
      boolean settingsChanged = !settings.equals(current.settings())
          || PROJECT_FIELDS.stream().anyMatch(f -> !f.equals("name") && body.has(f));
      CompletionStage<Project.State> changed = settingsChanged
          ? context.<Project.State>askProject(current.id(),
              replyTo -> new Project.ChangeSettings(settings, initiator, replyTo))
          : CompletableFuture.completedFuture(current);
      for (var credential : credentials.entrySet()) {
        changed = changed.thenCompose(state -> {
          String sealed = credential.getValue().map(value -> seal(state, credential.getKey(), value)).orElse(null);
          return context.<Project.State>askProject(current.id(),
              replyTo -> new Project.SetCredential(credential.getKey(), sealed, initiator, replyTo));
        });
      }
      return changed;
    }).thenApply(p -> Responses.json(200, representations.projectWithCredentials(p)));
  }

  private String seal(Project.State project, String credential, String value) {
    if (project.dataKey() == null) {
      throw new ApiException(409, "The project has no data key yet: it was created before secrets existed and gets "
          + "one when a node starts");
    }
    try {
      return ProjectCredentials.seal(context.secrets(), project, credential, value);
    } catch (SecretBoxException e) {
      throw new ApiException(500, "The project's data key cannot be unwrapped: the master key that wrapped it is "
          + "not configured on this node");
    }
  }

  private CompletionStage<HttpResponse> delete(Principal principal, String project) {
    Initiator initiator = principal.initiator();
    return support.project(project, principal).thenCompose(current -> context
        .<Done>askProject(current.id(), replyTo -> new Project.Delete(initiator, replyTo))
        .thenCompose(done -> context.<Done>askClaim(Claim.entityId(Claim.PROJECT_NAME, current.name()),
            replyTo -> new Claim.Release(current.id(), initiator, replyTo)))
        .thenCompose(done -> releaseDomains(current, initiator)))
        .thenApply(done -> Responses.noContent());
  }

  /** A deleted project's custom domains are free for others again. */
  private CompletionStage<Done> releaseDomains(Project.State project, Initiator initiator) {
    CompletionStage<Done> all = CompletableFuture.completedFuture(Done.getInstance());
    for (var domain : project.domains().domains()) {
      all = all.thenCompose(done -> context.<Done>askClaim(Claim.entityId(Claim.DOMAIN, domain.name()),
          replyTo -> new Claim.Release(project.id(), initiator, replyTo)));
    }
    return all;
  }

  /** Settings from a create (base null) or a partial update (absent fields keep base; null clears). */
  private ProjectSettings settings(JsonBody body, ProjectSettings base) {
    return new ProjectSettings(
        field(body, "gitRepoUrl", base == null ? null : base.gitRepoUrl(), () -> gitUrl(body)),
        Optional.ofNullable(field(body, "gitBranch", base == null ? null : base.gitBranch(),
            () -> body.matching("gitBranch", 255, GIT_REF, "Must be a valid branch name")))
            .orElse(ProjectSettings.DEFAULT_BRANCH),
        field(body, "rootDirectory", base == null ? null : base.rootDirectory(),
            () -> body.relativePath("rootDirectory")),
        field(body, "framework", base == null ? null : base.framework(), () -> body.string("framework", 64)),
        field(body, "installCommand", base == null ? null : base.installCommand(),
            () -> body.string("installCommand", 4096)),
        field(body, "buildCommand", base == null ? null : base.buildCommand(),
            () -> body.string("buildCommand", 4096)),
        field(body, "outputDirectory", base == null ? null : base.outputDirectory(),
            () -> body.relativePath("outputDirectory")));
  }

  private static String field(JsonBody body, String name, String base,
      java.util.function.Supplier<Optional<String>> read) {
    return body.has(name) ? read.get().filter(v -> !v.isBlank()).orElse(null) : base;
  }

  private Optional<String> gitUrl(JsonBody body) {
    Optional<String> url = body.string("gitRepoUrl", 2048);
    if (url.isPresent()) {
      String value = url.get();
      boolean local = value.startsWith("file://") || value.startsWith("/");
      boolean allowed = value.startsWith("https://") || (local && context.settings().allowLocalRepositories());
      if (!allowed) {
        body.error("gitRepoUrl", local
            ? "Local repositories are not allowed on this installation"
            : "Must be an https:// URL");
        return Optional.empty();
      }
    }
    return url;
  }

  // Deployments

  private CompletionStage<HttpResponse> deploy(Principal principal, String project, String text) {
    JsonBody body = JsonBody.parse(text, DEPLOY_FIELDS);
    Optional<String> ref = body.matching("ref", 255, GIT_REF, "Must be a branch name or a commit sha");
    Optional<String> target = body.string("target", 16);
    if (target.isPresent() && !Set.of(Deployment.PRODUCTION, Deployment.PREVIEW).contains(target.get())) {
      body.error("target", "Must be \"production\" or \"preview\"");
    }
    // Uploaded files (ferry deploy) instead of Git: preview unless asked for production, as with `vercel`.
    Uploads.FileSet files = body.has("files") ? uploads.fileSet(body) : null;
    if (body.has("files") && ref.isPresent()) {
      body.error("ref", "Cannot be combined with files");
    }
    Optional<Boolean> prebuilt = body.bool("prebuilt");
    if (prebuilt.isPresent() && !body.has("files")) {
      body.error("prebuilt", "Only applies to uploaded files");
    }
    body.validate();
    Initiator initiator = principal.initiator();
    String deploymentId = Ids.deploymentId();
    if (files != null) {
      return support.project(project, principal)
          .thenCompose(current -> uploads.source(files, prebuilt.orElse(false))
              .thenCompose(source -> requestDeployment(current, deploymentId, target.orElse(Deployment.PREVIEW),
                  source, initiator)))
          .thenApply(deployment -> Responses.json(202, representations.deployment(deployment, List.of())));
    }
    return support.project(project, principal).thenCompose(current -> {
      if (current.settings().gitRepoUrl() == null) {
        throw new ApiException(422, "The project has no Git repository to deploy from");
      }
      String branch = current.settings().gitBranch();
      String resolvedRef = ref.orElse(branch);
      String resolvedTarget = target.orElse(resolvedRef.equals(branch) ? Deployment.PRODUCTION : Deployment.PREVIEW);
      return requestDeployment(current, deploymentId, resolvedTarget, source(ref, branch), initiator);
    }).thenApply(deployment -> Responses.json(202, representations.deployment(deployment, List.of())));
  }

  /** Without a ref the production branch is built, and the deployment belongs to that branch (its alias). */
  private static Deployment.Source source(Optional<String> ref, String productionBranch) {
    return ref.isEmpty() || ref.get().equals(productionBranch)
        ? Deployment.Source.branch(productionBranch)
        : Deployment.Source.git(ref.get());
  }

  private CompletionStage<Deployment.State> requestDeployment(Project.State project, String deploymentId,
      String target, Deployment.Source source, Initiator initiator) {
    return context.<Project.DeploymentTicket>askProject(project.id(),
            replyTo -> new Project.RequestDeployment(deploymentId, target, initiator, replyTo))
        .thenCompose(ticket -> context.<Deployment.State>askDeployment(deploymentId,
            replyTo -> new Deployment.Create(ticket.projectId(), ticket.projectName(), ticket.number(),
                target, source, ticket.settings(), initiator, replyTo)));
  }

  private CompletionStage<HttpResponse> deployments(Principal principal, String project, Optional<String> target, Optional<String> state,
      Page page) {
    return support.project(project, principal).thenCompose(current -> CompletableFuture.supplyAsync(() -> {
      try {
        long before = page.cursor().map(Long::parseLong).orElse(Long.MAX_VALUE);
        StringBuilder sql = new StringBuilder("SELECT id, number FROM deployments WHERE project_id = ? AND number < ?");
        List<Object> params = new ArrayList<>(List.of(current.id(), before));
        target.ifPresent(t -> {
          sql.append(" AND target = ?");
          params.add(t);
        });
        state.ifPresent(s -> {
          sql.append(" AND state = ?");
          params.add(s.toUpperCase(java.util.Locale.ROOT));
        });
        sql.append(" ORDER BY number DESC LIMIT ?");
        params.add(page.limit() + 1);
        return Sql.query(context.dataSource(), sql.toString(),
            row -> new String[] {row.getString(1), Long.toString(row.getLong(2))}, params.toArray());
      } catch (SQLException | NumberFormatException e) {
        throw new ApiException(400, "Invalid cursor");
      }
    }, context.blocking())).thenCompose(rows -> {
      boolean more = rows.size() > page.limit();
      List<String[]> shown = more ? rows.subList(0, page.limit()) : rows;
      String next = more ? Page.encode(shown.get(shown.size() - 1)[1]) : null;
      List<CompletableFuture<ObjectNode>> items = new ArrayList<>();
      for (String[] row : shown) {
        items.add(support.deploymentJson(row[0], principal, representations).toCompletableFuture());
      }
      return CompletableFuture.allOf(items.toArray(CompletableFuture[]::new))
          .thenApply(done -> Responses.list(items.stream().map(CompletableFuture::join).toList(), next));
    });
  }

  private CompletionStage<HttpResponse> promote(Principal principal, String project, String text) {
    JsonBody body = JsonBody.parse(text, Set.of("deploymentId"));
    String deploymentId = body.required("deploymentId", 64);
    body.validate();
    // The deployment is read while the project is looked up and authorized (it must then belong to that project), so
    // the promote command follows two round trips instead of four: production moves sooner at every edge.
    CompletionStage<Deployment.State> deployment = support.deploymentOf(deploymentId);
    return support.project(project, principal).thenCompose(current -> deployment
            .thenApply(candidate -> readyIn(current, candidate, deploymentId))
            .thenCompose(ready -> context.<Project.State>askProject(current.id(),
                replyTo -> new Project.Promote(deploymentId, ready.number(), principal.initiator(), replyTo))))
        .thenApply(productionPush::push)
        .thenApply(p -> Responses.json(200, representations.project(p)));
  }

  private CompletionStage<HttpResponse> rollback(Principal principal, String project, String text) {
    JsonBody body = JsonBody.parse(text, Set.of("deploymentId"));
    Optional<String> deploymentId = body.string("deploymentId", 64);
    body.validate();
    return support.project(project, principal).thenCompose(current -> {
      if (deploymentId.isEmpty()) {
        // The newest former production deployment that still serves: retention may have expired older ones.
        return context.<Project.State>askProject(current.id(), Project.Get::new)
            .thenCompose(state -> firstReady(state.previousProductions(), 0).thenApply(target -> {
              if (target.isEmpty() && !state.previousProductions().isEmpty()) {
                throw new ApiException(409, "No former production deployment is READY any more to roll back to");
              }
              return target;
            }))
            .thenCompose(target -> context.<Project.State>askProject(current.id(), replyTo -> new Project.Rollback(
                target.map(Project.ProductionEntry::deploymentId).orElse(null),
                target.map(Project.ProductionEntry::number).orElse(0L), principal.initiator(), replyTo)));
      }
      return readyDeploymentOf(principal, current, deploymentId.get()).thenCompose(deployment -> {
        if (!Deployment.PRODUCTION.equals(deployment.target())) {
          throw new ApiException(409, "Only production deployments can be rolled back to");
        }
        return context.<Project.State>askProject(current.id(),
            replyTo -> new Project.Rollback(deployment.id(), deployment.number(), principal.initiator(), replyTo));
      });
    }).thenApply(productionPush::push).thenApply(p -> Responses.json(200, representations.project(p)));
  }

  private CompletionStage<Optional<Project.ProductionEntry>> firstReady(List<Project.ProductionEntry> entries,
      int index) {
    if (index >= entries.size()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return context.<Deployment.State>askDeployment(entries.get(index).deploymentId(), Deployment.Get::new)
        .thenCompose(d -> d.status() == Deployment.Status.READY
            ? CompletableFuture.completedFuture(Optional.of(entries.get(index)))
            : firstReady(entries, index + 1));
  }

  private CompletionStage<Deployment.State> readyDeploymentOf(Principal principal, Project.State project,
      String deploymentId) {
    return support.deployment(deploymentId, principal).thenApply(deployment -> readyIn(project, deployment,
        deploymentId));
  }

  /** The deployment, when it belongs to the (authorized) project and is READY. */
  private static Deployment.State readyIn(Project.State project, Deployment.State deployment, String deploymentId) {
    if (!project.id().equals(deployment.projectId())) {
      throw ApiException.notFound("Deployment");
    }
    if (deployment.status() != Deployment.Status.READY) {
      throw new ApiException(409, "Deployment " + deploymentId + " is " + deployment.status() + ", not READY");
    }
    return deployment;
  }

  // Rows

  record PageResult<T>(List<T> items, String next) {}

  static <T> PageResult<T> pageOf(List<T> rows, int limit, java.util.function.Function<T, String> position) {
    if (rows.size() <= limit) {
      return new PageResult<>(rows, null);
    }
    List<T> shown = rows.subList(0, limit);
    return new PageResult<>(shown, Page.encode(position.apply(shown.get(limit - 1))));
  }

  private static java.sql.Timestamp instant(String millis) {
    return new java.sql.Timestamp(Long.parseLong(millis));
  }

  private static Project.State projectRow(ResultSet row) throws SQLException {
    String production = row.getString("production_deployment_id");
    return new Project.State(
        row.getString("id"),
        Project.Status.ACTIVE,
        row.getString("name"),
        row.getString("owner"),
        new ProjectSettings(row.getString("git_repo_url"), row.getString("git_branch"),
            row.getString("root_directory"), row.getString("framework"), row.getString("install_command"),
            row.getString("build_command"), row.getString("output_directory")),
        0,
        production == null ? null : new Project.ProductionEntry(production, 0),
        List.of(),
        true,
        Sql.instant(row, "created_at"),
        Sql.instant(row, "updated_at"),
        null,
        List.of(),
        List.of(),
        Map.of());
  }
}
