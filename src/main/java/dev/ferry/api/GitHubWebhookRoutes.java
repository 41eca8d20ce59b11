package dev.ferry.api;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.claim.Claim;
import dev.ferry.common.Initiator;
import dev.ferry.db.Sql;
import dev.ferry.deployment.Deployment;
import dev.ferry.git.GitHubEvent;
import dev.ferry.git.RepositoryKey;
import dev.ferry.git.WebhookSignature;
import dev.ferry.project.Project;
import dev.ferry.project.ProjectCredentials;
import dev.ferry.secrets.SecretBoxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/webhooks/github}: GitHub's {@code push} and {@code pull_request} deliveries deploy the projects
 * that build the repository.
 *
 * <p>The raw body (up to {@code ferry.github.max-payload-size}, 25 MiB like GitHub) is checked against
 * {@code X-Hub-Signature-256} before anything reads it: with the installation's secret, which lets a delivery deploy
 * every project of the repository, or — when the URL names a project ({@code ?project=<name or id>}) — with that
 * project's own secret, which lets it deploy that project only. An unsigned or wrongly signed delivery is answered 401
 * and leaves no trace. The answer comes as soon as the deployments are recorded (202); building happens afterwards.
 */
public final class GitHubWebhookRoutes extends AllDirectives {

  private static final Logger log = LoggerFactory.getLogger(GitHubWebhookRoutes.class);
  private static final Duration BODY_TIMEOUT = Duration.ofSeconds(10);
  private static final Pattern DELIVERY_ID = Pattern.compile("^[A-Za-z0-9-]{1,64}$");
  private static final Pattern EVENT_NAME = Pattern.compile("^[a-z_]{1,64}$");

  private final ApiContext context;
  private final RequestSupport support;
  private final GitDeployments deployments;

  public GitHubWebhookRoutes(ApiContext context, RequestSupport support) {
    this.context = context;
    this.support = support;
    this.deployments = new GitDeployments(context);
  }

  public Route route() {
    return path(segment("webhooks").slash("github"), () -> post(() ->
        withSizeLimit(context.settings().github().maxPayloadBytes(), () ->
            parameterOptional("project", project -> extractRequest(request ->
                extractStrictEntity(BODY_TIMEOUT, entity -> support.answer(() ->
                    receive(request, project, entity.getData().toArray()))))))));
  }

  /** Which projects a verified delivery may deploy: all of the repository's, or just the one it was signed for. */
  private record Scope(Optional<Project.State> only, boolean restricted) {}

  private CompletionStage<HttpResponse> receive(HttpRequest request, Optional<String> project, byte[] body) {
    Optional<String> signature = header(request, WebhookSignature.HEADER);
    if (signature.isEmpty()) {
      throw new ApiException(401, "The delivery is not signed: configure the webhook with a secret ("
          + WebhookSignature.HEADER + " is missing)");
    }
    return verify(project, body, signature.get()).thenCompose(scope -> handle(request, scope, body));
  }

  private CompletionStage<Scope> verify(Optional<String> projectRef, byte[] body, String signature) {
    String installationSecret = context.settings().github().webhookSecret();
    boolean installationValid = installationSecret != null && !installationSecret.isEmpty()
        && WebhookSignature.verify(installationSecret, body, signature);
    if (projectRef.isEmpty()) {
      if (!installationValid) {
        throw wrongSignature();
      }
      return CompletableFuture.completedFuture(new Scope(Optional.empty(), false));
    }
    return findProject(projectRef.get()).thenApply(found -> {
      Optional<String> projectSecret = found.flatMap(this::webhookSecret);
      if (projectSecret.isPresent() && WebhookSignature.verify(projectSecret.get(), body, signature)) {
        return new Scope(found, true);
      }
      if (installationValid) {
        return new Scope(found, true);
      }
      throw wrongSignature();
    });
  }

  private Optional<String> webhookSecret(Project.State project) {
    try {
      return ProjectCredentials.open(context.secrets(), project, Project.GITHUB_WEBHOOK_SECRET);
    } catch (SecretBoxException e) {
      log.error("The webhook secret of project {} does not decrypt: {}", project.id(), e.getMessage());
      return Optional.empty();
    }
  }

  private static ApiException wrongSignature() {
    return new ApiException(401, "The delivery's " + WebhookSignature.HEADER + " does not match the webhook secret");
  }

  private CompletionStage<HttpResponse> handle(HttpRequest request, Scope scope, byte[] body) {
    String event = header(request, "X-GitHub-Event").orElseThrow(() ->
        new ApiException(400, "X-GitHub-Event is missing"));
    if (!EVENT_NAME.matcher(event).matches()) {
      throw new ApiException(400, "X-GitHub-Event is not an event name");
    }
    Optional<String> delivery = header(request, "X-GitHub-Delivery");
    if (delivery.isPresent() && !DELIVERY_ID.matcher(delivery.get()).matches()) {
      throw new ApiException(400, "X-GitHub-Delivery is not a delivery id");
    }
    GitHubEvent parsed;
    try {
      parsed = GitHubEvent.parse(event, payload(request, body));
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, e.getMessage());
    }
    ObjectNode answer = Json.object();
    answer.put("event", event);
    answer.put("delivery", delivery.orElse(null));
    if (parsed instanceof GitHubEvent.Ping ping) {
      answer.put("zen", ping.zen());
      answer.put("result", "pong");
      return CompletableFuture.completedFuture(Responses.json(200, answer));
    }
    if (parsed instanceof GitHubEvent.Ignore ignore) {
      return CompletableFuture.completedFuture(ignored(answer, ignore.reason()));
    }
    String deliveryId = delivery.orElseThrow(() -> new ApiException(400, "X-GitHub-Delivery is missing"));
    Initiator initiator = new Initiator(Initiator.Kind.WEBHOOK, "github:" + deliveryId);
    if (parsed instanceof GitHubEvent.Deploy deploy) {
      return projects(deploy.repositories(), scope).thenCompose(projects -> {
        if (projects.isEmpty()) {
          return CompletableFuture.completedFuture(ignored(answer, noProject(deploy.repositories(), scope)));
        }
        Deployment.Source source = Deployment.Source.commit(deploy.branch(), deploy.sha(), deploy.message(),
            deploy.author());
        List<CompletableFuture<GitDeployments.Outcome>> outcomes = new ArrayList<>();
        for (Project.State project : projects) {
          outcomes.add(deployments.deploy(project, source, initiator,
              Optional.of(GitDeployments.deliveryClaim(deliveryId, project.id())),
              Optional.ofNullable(deploy.pushKey()).map(key -> GitDeployments.pushClaim(project.id(),
                  deploy.branch(), key))).toCompletableFuture());
        }
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).thenApply(done -> {
          answer.put("description", deploy.description());
          ArrayNode list = answer.putArray("deployments");
          outcomes.forEach(outcome -> list.add(deployments.json(outcome.join())));
          log.info("GitHub delivery {} ({}): {}", deliveryId, deploy.description(), list);
          return Responses.json(202, answer);
        });
      });
    }
    GitHubEvent.CloseBranch close = (GitHubEvent.CloseBranch) parsed;
    return projects(close.repositories(), scope).thenCompose(projects -> {
      if (projects.isEmpty()) {
        return CompletableFuture.completedFuture(ignored(answer, noProject(close.repositories(), scope)));
      }
      List<CompletableFuture<Done>> closed = new ArrayList<>();
      for (Project.State project : projects) {
        closed.add(context.<Done>askProject(project.id(),
            replyTo -> new Project.CloseBranch(close.branch(), initiator, replyTo)).toCompletableFuture());
      }
      return CompletableFuture.allOf(closed.toArray(CompletableFuture[]::new)).thenApply(done -> {
        answer.put("description", "pull request #" + close.pullRequest() + " closed");
        ArrayNode list = answer.putArray("closed");
        for (Project.State project : projects) {
          list.addObject()
              .put("projectId", project.id())
              .put("project", project.name())
              .put("branch", close.branch())
              .put("branchUrl", context.hosts().url(context.hosts().branch(project.name(), close.branch())));
        }
        return Responses.json(202, answer);
      });
    });
  }

  private static HttpResponse ignored(ObjectNode answer, String reason) {
    answer.put("ignored", reason);
    answer.putArray("deployments");
    return Responses.json(202, answer);
  }

  private static String noProject(Set<String> repositories, Scope scope) {
    String repository = repositories.stream().sorted().findFirst().orElse("(no repository)");
    if (scope.restricted()) {
      return scope.only().isEmpty()
          ? "The project named in the webhook URL does not exist"
          : "The project named in the webhook URL does not build " + repository;
    }
    return "No project builds " + repository;
  }

  /** GitHub sends JSON, or a form with the JSON in {@code payload} when the hook's content type says so. */
  private static String payload(HttpRequest request, byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    if (request.entity().getContentType().mediaType().equals(MediaTypes.APPLICATION_X_WWW_FORM_URLENCODED)) {
      for (String pair : text.split("&")) {
        int equals = pair.indexOf('=');
        if (equals > 0 && pair.substring(0, equals).equals("payload")) {
          return URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
        }
      }
      throw new IllegalArgumentException("The form has no payload field");
    }
    return text;
  }

  /** The live projects (asked of their entities, not the read model) that build one of {@code repositories}. */
  private CompletionStage<List<Project.State>> projects(Set<String> repositories, Scope scope) {
    if (repositories.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    CompletionStage<List<String>> ids = scope.restricted()
        ? CompletableFuture.completedFuture(scope.only().map(p -> List.of(p.id())).orElse(List.of()))
        : CompletableFuture.supplyAsync(() -> {
          try {
            String marks = String.join(", ", Collections.nCopies(repositories.size(), "?"));
            return Sql.query(context.dataSource(),
                "SELECT id FROM projects WHERE deleted = FALSE AND repo_key IN (" + marks + ") ORDER BY created_at, id",
                row -> row.getString(1), repositories.toArray());
          } catch (SQLException e) {
            throw new CompletionException(e);
          }
        }, context.blocking());
    return ids.thenCompose(list -> {
      List<CompletableFuture<Optional<Project.State>>> states = new ArrayList<>();
      for (String id : list) {
        states.add(context.<Project.State>askProject(id, Project.Get::new)
            .thenApply(Optional::of)
            .exceptionally(failure -> {
              if (GitDeployments.rejectionStatus(failure) == 404) {
                return Optional.empty();
              }
              throw failure instanceof CompletionException c ? c : new CompletionException(failure);
            })
            .toCompletableFuture());
      }
      return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new)).thenApply(done -> states.stream()
          .map(CompletableFuture::join)
          .flatMap(Optional::stream)
          .filter(project -> project.settings() != null
              && RepositoryKey.of(project.settings().gitRepoUrl()).map(repositories::contains).orElse(false))
          .toList());
    });
  }

  private CompletionStage<Optional<Project.State>> findProject(String ref) {
    if (!ProjectRoutes.NAME.matcher(ref).matches() && !ref.matches("prj_[a-z0-9]{1,60}")) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    CompletionStage<String> id = ref.startsWith("prj_")
        ? CompletableFuture.completedFuture(ref)
        : context.<String>askClaim(Claim.entityId(Claim.PROJECT_NAME, ref), Claim.GetOwner::new);
    return id.thenCompose(projectId -> context.<Project.State>askProject(projectId, Project.Get::new))
        .thenApply(Optional::of)
        .exceptionally(failure -> {
          if (GitDeployments.rejectionStatus(failure) == 404) {
            return Optional.empty();
          }
          throw failure instanceof CompletionException c ? c : new CompletionException(failure);
        });
  }

  private static Optional<String> header(HttpRequest request, String name) {
    return request.getHeader(name).map(h -> h.value()).filter(v -> !v.isBlank());
  }
}
