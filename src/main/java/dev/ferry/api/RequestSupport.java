package dev.ferry.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.claim.Claim;
import dev.ferry.db.Sql;
import dev.ferry.deployment.Deployment;
import dev.ferry.project.Project;
import java.net.InetAddress;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.StatusReply;

/** What every route needs: bodies, paging, error mapping, and finding the project or deployment asked for. */
public final class RequestSupport extends AllDirectives {

  private static final Duration BODY_TIMEOUT = Duration.ofSeconds(10);

  private final ApiContext context;
  private final Authenticator authenticator;

  RequestSupport(ApiContext context) {
    this.context = context;
    this.authenticator = new Authenticator(context);
  }

  /** The request's principal, or 401/403; each principal is rate limited. */
  Route authenticated(Function<Principal, Route> inner) {
    return extractRequest(request -> onComplete(authenticator.authenticate(request), result -> {
      if (result.isFailure()) {
        return complete(Problems.fromFailure(result.failed().get()));
      }
      Principal principal = result.get();
      Optional<Duration> wait = context.apiPerPrincipal().tryAcquire(principal.userId());
      if (wait.isPresent()) {
        return complete(Problems.fromFailure(ApiException.tooManyRequests(wait.get())));
      }
      return inner.apply(principal);
    }));
  }

  /** Sign-up and login attempts are limited per client address. */
  Route limitedByAddress(Supplier<Route> inner) {
    return extractClientIP(address -> {
      String key = address.getAddress().map(InetAddress::getHostAddress).orElse("unknown");
      Optional<Duration> wait = context.authPerAddress().tryAcquire(key);
      return wait.isPresent()
          ? complete(Problems.fromFailure(ApiException.tooManyRequests(wait.get())))
          : inner.get();
    });
  }

  /** ...and per account, so that one account cannot be guessed at from many addresses. */
  void limitAccount(String accountId) {
    context.authPerAccount().tryAcquire(accountId).ifPresent(wait -> {
      throw ApiException.tooManyRequests(wait);
    });
  }

  /** Runs the handler and turns any failure (thrown or in the future) into problem+json. */
  Route answer(Supplier<CompletionStage<HttpResponse>> handler) {
    CompletionStage<HttpResponse> response;
    try {
      response = handler.get();
    } catch (RuntimeException e) {
      response = CompletableFuture.failedFuture(e);
    }
    return completeWithFuture(response.exceptionally(Problems::fromFailure));
  }

  /** Like {@link #answer} for handlers that end in a route of their own (a WebSocket upgrade). */
  Route answerRoute(Supplier<CompletionStage<Route>> handler) {
    CompletionStage<Route> route;
    try {
      route = handler.get();
    } catch (RuntimeException e) {
      route = CompletableFuture.failedFuture(e);
    }
    return onComplete(route, result -> result.isSuccess()
        ? result.get()
        : complete(Problems.fromFailure(result.failed().get())));
  }

  /** A JSON body (415 for another media type); its size is bounded by the server's content-length limit. */
  Route jsonBody(Function<String, Route> inner) {
    return extractRequestEntity(entity -> {
      boolean empty = entity.isKnownEmpty();
      boolean json = entity.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON);
      if (!empty && !json) {
        return complete(Problems.response(415, "The request body must be application/json", List.of()));
      }
      // No second bound here: the entity's limit (max-content-length, or a route's withSizeLimit) answers 413.
      return extractStrictEntity(BODY_TIMEOUT, Long.MAX_VALUE, strict -> inner.apply(strict.getData().utf8String()));
    });
  }

  Route page(Function<Page, Route> inner) {
    return parameterOptional("limit", limit -> parameterOptional("cursor", cursor -> {
      try {
        return inner.apply(Page.of(limit, cursor));
      } catch (ApiException e) {
        return complete(Problems.fromFailure(e));
      }
    }));
  }

  /** A project by id ({@code prj_...}) or by name; another owner's project is not found. */
  CompletionStage<Project.State> project(String ref, Principal principal) {
    CompletionStage<String> projectId = ref.startsWith("prj_")
        ? CompletableFuture.completedFuture(ref)
        : context.<String>askClaim(Claim.entityId(Claim.PROJECT_NAME, ref), Claim.GetOwner::new);
    return projectId
        .exceptionally(failure -> {
          throw notFound(failure, "Project");
        })
        .thenCompose(id -> context.<Project.State>askProject(id, Project.Get::new))
        .thenApply(project -> {
          if (!project.owner().equals(principal.userId())) {
            throw ApiException.notFound("Project");
          }
          return project;
        });
  }

  CompletionStage<Deployment.State> deployment(String deploymentId, Principal principal) {
    return deploymentOf(deploymentId)
        .thenCompose(deployment -> context.<Project.State>askProject(deployment.projectId(), Project.Get::new)
            .exceptionally(failure -> {
              throw ApiException.notFound("Deployment");
            })
            .thenApply(project -> {
              if (!project.owner().equals(principal.userId())) {
                throw ApiException.notFound("Deployment");
              }
              return deployment;
            }));
  }

  /**
   * The deployment, NOT authorized: the caller must check that it belongs to a project the principal may use (as
   * {@link #deployment} does).
   */
  CompletionStage<Deployment.State> deploymentOf(String deploymentId) {
    if (!deploymentId.matches("[a-z0-9]{1,64}")) {
      return CompletableFuture.failedFuture(ApiException.notFound("Deployment"));
    }
    return context.askDeployment(deploymentId, Deployment.Get::new);
  }

  CompletionStage<ObjectNode> deploymentJson(String deploymentId, Principal principal,
      Representations representations) {
    return deployment(deploymentId, principal).thenCombine(aliases(deploymentId), representations::deployment);
  }

  /** Hosts that currently point at the deployment, besides its own. */
  CompletionStage<List<String>> aliases(String deploymentId) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return Sql.query(context.dataSource(),
            "SELECT host FROM routes WHERE deployment_id = ? AND kind <> 'deployment' ORDER BY host",
            row -> row.getString(1), deploymentId);
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }, context.blocking());
  }

  private static RuntimeException notFound(Throwable failure, String what) {
    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof StatusReply.ErrorMessage) {
      return ApiException.notFound(what);
    }
    return failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure);
  }
}
