package dev.ferry.health;

import dev.ferry.api.Json;
import dev.ferry.api.Problems;
import dev.ferry.api.Responses;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.japi.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node can do its work: {@code /health/alive} (the process answers) and {@code /health/ready} (an Up
 * member of the cluster, the database reachable, the journal readable). The API serves both; a node without the API
 * answers them on its edge port, or on the API port when it has no edge either.
 */
public final class NodeHealth {

  /** A cheap read of the journal table: the highest ordering comes from its unique index. */
  static final String JOURNAL_PROBE = "SELECT MAX(\"ordering\") FROM \"event_journal\"";
  static final int CHECK_SECONDS = 2;
  /** Longer than the checks themselves: a pool waiting for a connection to a dead database is not ready either. */
  static final int ANSWER_SECONDS = 5;

  private static final Logger log = LoggerFactory.getLogger(NodeHealth.class);

  /** Ready, or the reason why not (for the 503's detail). */
  public record Readiness(boolean ready, String problem) {
    static final Readiness READY = new Readiness(true, "");

    static Readiness notReady(String problem) {
      return new Readiness(false, problem);
    }
  }

  private final ActorSystem<?> system;
  private final DataSource dataSource;
  private final Executor blocking;

  public NodeHealth(ActorSystem<?> system, DataSource dataSource) {
    this.system = system;
    this.dataSource = dataSource;
    this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
  }

  public CompletionStage<Readiness> readiness() {
    if (org.apache.pekko.actor.CoordinatedShutdown.get(system).getShutdownReason().isPresent()) {
      return CompletableFuture.completedFuture(Readiness.notReady("This node is shutting down"));
    }
    if (Cluster.get(system).selfMember().status() != MemberStatus.up()) {
      return CompletableFuture.completedFuture(
          Readiness.notReady("This node is not an Up member of the cluster yet"));
    }
    return CompletableFuture.supplyAsync(this::checkDatabase, blocking)
        .completeOnTimeout(Readiness.notReady("The database did not answer within " + ANSWER_SECONDS + " s"),
            ANSWER_SECONDS, TimeUnit.SECONDS);
  }

  private Readiness checkDatabase() {
    try (Connection connection = dataSource.getConnection()) {
      if (!connection.isValid(CHECK_SECONDS)) {
        return Readiness.notReady("The database is not reachable");
      }
      try (Statement statement = connection.createStatement()) {
        statement.setQueryTimeout(CHECK_SECONDS);
        statement.executeQuery(JOURNAL_PROBE).close();
      } catch (SQLException e) {
        log.warn("Health: the journal table cannot be read: {}", e.toString());
        return Readiness.notReady("The journal is not reachable");
      }
      return Readiness.READY;
    } catch (SQLException e) {
      log.warn("Health: no database connection: {}", e.toString());
      return Readiness.notReady("The database is not reachable");
    }
  }

  public HttpResponse aliveResponse() {
    return Responses.json(200, Json.object().put("status", "alive"));
  }

  /** 200 {@code {"status": "ready"}}, or a 503 problem whose detail says what is missing. */
  public CompletionStage<HttpResponse> readyResponse() {
    return readiness().thenApply(readiness -> readiness.ready()
        ? Responses.json(200, Json.object().put("status", "ready"))
        : Problems.response(503, readiness.problem(), List.of()));
  }

  /** Answers GET and HEAD of {@code /health/alive} and {@code /health/ready}; empty for every other request. */
  public Optional<CompletionStage<HttpResponse>> handle(HttpRequest request) {
    if (!request.method().equals(HttpMethods.GET) && !request.method().equals(HttpMethods.HEAD)) {
      return Optional.empty();
    }
    return switch (request.getUri().path()) {
      case "/health/alive" -> Optional.of(CompletableFuture.completedFuture(aliveResponse()));
      case "/health/ready" -> Optional.of(readyResponse());
      default -> Optional.empty();
    };
  }

  /** A server with the health endpoints only, for a node that has neither the API nor the edge. */
  public CompletionStage<ServerBinding> start(String iface, int port) {
    Function<HttpRequest, CompletionStage<HttpResponse>> handler = request -> {
      request.discardEntityBytes(system);
      return handle(request).orElseGet(() -> CompletableFuture.completedFuture(
          Problems.response(404, "This node serves only /health/alive and /health/ready", List.of())));
    };
    return Http.get(system).newServerAt(iface, port).bind(handler);
  }
}
