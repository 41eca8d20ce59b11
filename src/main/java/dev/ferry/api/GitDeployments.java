package dev.ferry.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.claim.Claim;
import dev.ferry.common.Ids;
import dev.ferry.common.Initiator;
import dev.ferry.common.Rejection;
import dev.ferry.db.Sql;
import dev.ferry.deployment.Deployment;
import dev.ferry.project.Project;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deployments that Git asks for (webhooks, deploy hooks), made idempotent with {@link Claim}s:
 *
 * <ul>
 *   <li>a <em>delivery</em> claim ({@code github-delivery:<delivery id>/<project id>}) is owned by the id of the
 *       deployment the delivery makes: a redelivery finds the claim, and that deployment, and makes nothing;
 *   <li>a <em>push</em> claim ({@code git-push:<project id>/<branch>/<before>..<after>}) lets the push event and the
 *       pull request's {@code synchronize} for the same push make one deployment between them.
 * </ul>
 *
 * The deployment id is chosen before anything is written and the claims name it, so a delivery that failed half way
 * (claimed, not created) is finished by its redelivery with the same id. A new deployment of a branch cancels the
 * branch's older deployments that are still QUEUED.
 */
final class GitDeployments {

  private static final Logger log = LoggerFactory.getLogger(GitDeployments.class);

  static final String DELIVERY_CLAIMS = "github-delivery";
  static final String PUSH_CLAIMS = "git-push";

  /** What happened for one project: {@code status} is created, redelivery (made before) or duplicate (same push). */
  record Outcome(Project.State project, String deploymentId, String target, String branch, String status) {}

  private final ApiContext context;
  private final Representations representations;

  GitDeployments(ApiContext context) {
    this.context = context;
    this.representations = new Representations(context.hosts());
  }

  /**
   * Deploys {@code source} (a branch, perhaps at a known commit) of {@code project}: production when the branch is
   * the project's production branch, preview otherwise.
   */
  CompletionStage<Outcome> deploy(Project.State project, Deployment.Source source, Initiator initiator,
      Optional<String> deliveryClaim, Optional<String> pushClaim) {
    String target = source.branch() != null && source.branch().equals(project.settings().gitBranch())
        ? Deployment.PRODUCTION : Deployment.PREVIEW;
    String candidate = Ids.deploymentId();
    CompletionStage<String> chosen = deliveryClaim.isPresent()
        ? claimOrOwner(deliveryClaim.get(), candidate, initiator)
        : CompletableFuture.completedFuture(candidate);
    return chosen.thenCompose(deploymentId -> (deploymentId.equals(candidate)
        ? CompletableFuture.completedFuture(Optional.<Deployment.State>empty())
        : existing(deploymentId)).thenCompose(made -> {
          if (made.isPresent()) {
            return CompletableFuture.completedFuture(new Outcome(project, deploymentId, made.get().target(),
                source.branch(), "redelivery"));
          }
          CompletionStage<String> pushOwner = pushClaim.isPresent()
              ? claimOrOwner(pushClaim.get(), deploymentId, initiator)
              : CompletableFuture.completedFuture(deploymentId);
          return pushOwner.thenCompose(owner -> owner.equals(deploymentId)
              ? create(project, deploymentId, target, source, initiator)
                  .thenApply(created -> new Outcome(project, deploymentId, target, source.branch(), "created"))
                  // The same delivery twice at once: the other one created it a moment ago.
                  .exceptionallyCompose(failure -> rejectionStatus(failure) == 409
                      ? CompletableFuture.completedFuture(
                          new Outcome(project, deploymentId, target, source.branch(), "redelivery"))
                      : CompletableFuture.failedFuture(failure))
              : CompletableFuture.completedFuture(new Outcome(project, owner, target, source.branch(), "duplicate")));
        }));
  }

  static String deliveryClaim(String deliveryId, String projectId) {
    return Claim.entityId(DELIVERY_CLAIMS, deliveryId + "/" + projectId);
  }

  static String pushClaim(String projectId, String branch, String pushKey) {
    return Claim.entityId(PUSH_CLAIMS, projectId + "/" + branch + "/" + pushKey);
  }

  ObjectNode json(Outcome outcome) {
    ObjectNode json = Json.object();
    json.put("projectId", outcome.project().id());
    json.put("project", outcome.project().name());
    json.put("deploymentId", outcome.deploymentId());
    json.put("status", outcome.status());
    json.put("target", outcome.target());
    json.put("branch", outcome.branch());
    json.put("url", context.hosts().url(context.hosts().deployment(outcome.project().name(), outcome.deploymentId())));
    if (outcome.branch() != null) {
      json.put("branchUrl", context.hosts().url(context.hosts().branch(outcome.project().name(), outcome.branch())));
    }
    return json;
  }

  Representations representations() {
    return representations;
  }

  /** {@code candidate} if it got the claim, else the claim's owner. */
  private CompletionStage<String> claimOrOwner(String claimId, String candidate, Initiator initiator) {
    return context.<Done>askClaim(claimId, replyTo -> new Claim.Acquire(candidate, initiator, replyTo))
        .thenApply(done -> candidate)
        .exceptionallyCompose(failure -> {
          if (rejectionStatus(failure) != 409) {
            return CompletableFuture.failedFuture(failure);
          }
          return context.<String>askClaim(claimId, Claim.GetOwner::new);
        });
  }

  private CompletionStage<Optional<Deployment.State>> existing(String deploymentId) {
    return context.<Deployment.State>askDeployment(deploymentId, Deployment.Get::new)
        .thenApply(Optional::of)
        .exceptionallyCompose(failure -> rejectionStatus(failure) == 404
            ? CompletableFuture.completedFuture(Optional.empty())
            : CompletableFuture.failedFuture(failure));
  }

  private CompletionStage<Deployment.State> create(Project.State project, String deploymentId, String target,
      Deployment.Source source, Initiator initiator) {
    return context.<Project.DeploymentTicket>askProject(project.id(),
            replyTo -> new Project.RequestDeployment(deploymentId, target, initiator, replyTo))
        .thenCompose(ticket -> context.<Deployment.State>askDeployment(deploymentId,
            replyTo -> new Deployment.Create(ticket.projectId(), ticket.projectName(), ticket.number(), target, source,
                ticket.settings(), initiator, replyTo)))
        .whenComplete((created, failure) -> {
          if (created != null && source.branch() != null) {
            supersedeOlder(created, initiator);
          }
        });
  }

  /**
   * Cancels the branch's older deployments that are still QUEUED (a build under way goes on). Runs after the answer:
   * the read model may trail by a moment, so a deployment queued just before may be missed; it then simply builds.
   */
  private void supersedeOlder(Deployment.State newer, Initiator initiator) {
    CompletableFuture.supplyAsync(() -> {
      try {
        return Sql.query(context.dataSource(),
            "SELECT id FROM deployments WHERE project_id = ? AND branch = ? AND state = ? AND number < ?",
            row -> row.getString(1), newer.projectId(), newer.source().branch(), Deployment.Status.QUEUED.name(),
            newer.number());
      } catch (SQLException e) {
        throw new CompletionException(e);
      }
    }, context.blocking()).thenAccept((List<String> older) -> older.forEach(id ->
        context.<Boolean>askDeployment(id, replyTo -> new Deployment.Supersede(newer.id(), initiator, replyTo))
            .whenComplete((canceled, failure) -> {
              if (Boolean.TRUE.equals(canceled)) {
                log.info("Deployment {} was superseded by {} of branch {}", id, newer.id(), newer.source().branch());
              } else if (failure != null) {
                log.warn("Could not supersede deployment {}: {}", id, failure.toString());
              }
            })))
        .exceptionally(failure -> {
          log.warn("Could not look for deployments superseded by {}: {}", newer.id(), failure.toString());
          return null;
        });
  }

  static int rejectionStatus(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof StatusReply.ErrorMessage error ? Rejection.status(error.getMessage()) : 500;
  }
}
