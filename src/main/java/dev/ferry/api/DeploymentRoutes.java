package dev.ferry.api;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.deployment.Deployment;
import dev.ferry.logs.BuildLogStore;
import dev.ferry.logs.LiveBuildLog;
import dev.ferry.logs.RuntimeLogStore;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * {@code /api/v1/deployments/{id}}: read, cancel, and the build log or the functions' runtime log (whole, or
 * followed live).
 */
public final class DeploymentRoutes extends AllDirectives {

  private static final ContentType NDJSON = MediaTypes.applicationWithOpenCharset("x-ndjson")
      .toContentType(org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8);
  /** How often a followed runtime log is read (the function runtime flushes its lines every 250 ms). */
  private static final Duration FOLLOW_POLL = Duration.ofMillis(25);
  private static final int LOG_BATCH = 1000;

  private final ApiContext context;
  private final RequestSupport support;
  private final Representations representations;
  private final RuntimeLogStore runtimeLogs;
  private final LiveBuildLog liveBuildLog;

  public DeploymentRoutes(ApiContext context, RequestSupport support) {
    this.context = context;
    this.support = support;
    this.representations = new Representations(context.hosts());
    this.runtimeLogs = new RuntimeLogStore(context.dataSource());
    this.liveBuildLog = new LiveBuildLog(context.system());
  }

  public Route route() {
    return pathPrefix("deployments", () -> support.authenticated(principal -> pathPrefix(segment(), id -> concat(
        pathEndOrSingleSlash(() -> get(() -> support.answer(() -> get(principal, id)))),
        path("cancel", () -> post(() -> support.answer(() -> cancel(principal, id)))),
        path("logs", () -> get(() -> parameterOptional("follow", follow -> parameterOptional("since", since ->
            parameterOptional("source", source -> support.answer(() -> logs(principal, id,
                follow.map("true"::equalsIgnoreCase).orElse(false), since, runtime(source)))))))),
        path(segment("logs").slash("ws"), () -> get(() -> parameterOptional("since", since ->
            parameterOptional("source", source ->
                support.answerRoute(() -> logSocket(principal, id, since, runtime(source)))))))))));
  }

  /** {@code source=build} (the default) or {@code source=runtime} (the functions' logs). */
  private static boolean runtime(Optional<String> source) {
    if (source.isEmpty() || source.get().equals("build")) {
      return false;
    }
    if (source.get().equals("runtime")) {
      return true;
    }
    throw new ApiException(400, "source must be build or runtime");
  }

  private CompletionStage<HttpResponse> get(Principal principal, String id) {
    return support.deploymentJson(id, principal, representations).thenApply(json -> Responses.json(200, json));
  }

  private CompletionStage<HttpResponse> cancel(Principal principal, String id) {
    return support.deployment(id, principal)
        .thenCompose(deployment -> context.<Deployment.State>askDeployment(id,
            replyTo -> new Deployment.Cancel(principal.initiator(), replyTo)))
        .thenCompose(canceled -> support.aliases(id).thenApply(aliases ->
            Responses.json(200, representations.deployment(canceled, aliases))));
  }

  private CompletionStage<HttpResponse> logs(Principal principal, String id, boolean follow, Optional<String> since,
      boolean runtime) {
    long after = sinceSeq(since);
    return support.deployment(id, principal).thenApply(deployment -> {
      Source<ByteString, NotUsed> lines = follow && (runtime || !deployment.status().isFinished())
          ? followed(id, after, runtime)
          : Source.single(after).mapAsync(1, from -> batch(id, from, runtime)).mapConcat(batch -> batch)
              .map(DeploymentRoutes::ndjson);
      return HttpResponse.create().withEntity(HttpEntities.createChunked(NDJSON, lines));
    });
  }

  /**
   * The same lines as WebSocket text frames, live until the build ends (runtime logs: until the client leaves); what
   * the client sends is ignored.
   */
  private CompletionStage<Route> logSocket(Principal principal, String id, Optional<String> since, boolean runtime) {
    long after = sinceSeq(since);
    return support.deployment(id, principal).thenApply(deployment -> handleWebSocketMessages(Flow.fromSinkAndSource(
        Sink.<Message>ignore(), followed(id, after, runtime)
            .map(line -> (Message) TextMessage.create(line.utf8String().strip())))));
  }

  /**
   * A build log is pushed live as its lines are printed ({@link LiveBuildLog}) until the deployment has finished.
   * A runtime log is polled; it never finishes (new requests bring new lines), it is followed until the client
   * leaves.
   */
  private Source<ByteString, NotUsed> followed(String id, long after, boolean runtime) {
    if (!runtime) {
      return liveBuildLog.follow(id, after, (from, limit) -> batch(id, from, false, limit),
          () -> context.<Deployment.State>askDeployment(id, Deployment.Get::new)
              .thenApply(state -> state.status().isFinished()))
          .map(DeploymentRoutes::ndjson);
    }
    return Source.unfoldAsync(new Cursor(after, false), cursor -> {
      if (cursor.done()) {
        return CompletableFuture.completedFuture(Optional.empty());
      }
      return batch(id, cursor.seq(), runtime).thenCompose(lines -> {
        if (!lines.isEmpty()) {
          long last = lines.get(lines.size() - 1).seq();
          return CompletableFuture.completedFuture(Optional.of(Pair.create(new Cursor(last, false), lines)));
        }
        CompletionStage<Boolean> ended = runtime ? CompletableFuture.completedFuture(false)
            : context.<Deployment.State>askDeployment(id, Deployment.Get::new).thenApply(s -> s.status().isFinished());
        return ended.thenCompose(finished -> {
          // One more read after the end, so that lines flushed with the outcome are not missed.
          return Patterns.after(FOLLOW_POLL, context.system().classicSystem().scheduler(),
              context.system().executionContext(), () -> batch(id, cursor.seq(), runtime))
              .thenApply(more -> {
                long last = more.isEmpty() ? cursor.seq() : more.get(more.size() - 1).seq();
                return Optional.of(Pair.create(new Cursor(last, finished && more.isEmpty()), more));
              });
        });
      });
    }).mapConcat(lines -> lines).map(DeploymentRoutes::ndjson);
  }

  private static long sinceSeq(Optional<String> since) {
    try {
      return since.map(Long::parseLong).orElse(0L);
    } catch (NumberFormatException e) {
      throw new ApiException(400, "since must be a sequence number");
    }
  }

  private record Cursor(long seq, boolean done) {}

  private CompletionStage<List<BuildLogStore.Line>> batch(String id, long after, boolean runtime) {
    return batch(id, after, runtime, LOG_BATCH);
  }

  private CompletionStage<List<BuildLogStore.Line>> batch(String id, long after, boolean runtime, int limit) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return runtime ? runtimeLogs.read(id, after, limit) : context.logs().read(id, after, limit);
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }, context.blocking());
  }

  private static ByteString ndjson(BuildLogStore.Line line) {
    ObjectNode json = Json.object();
    json.put("seq", line.seq());
    json.put("at", Json.time(line.at()));
    json.put("stream", line.stream());
    json.put("text", line.text());
    return ByteString.fromString(Json.write(json) + "\n");
  }
}
