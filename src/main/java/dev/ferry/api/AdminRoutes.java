package dev.ferry.api;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.account.Account;
import dev.ferry.retention.BlobCollector;
import dev.ferry.retention.Retention;
import dev.ferry.retention.RetentionScheduler;
import dev.ferry.views.ReadModelRebuild;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Operations only the installation's administrator ({@code FERRY_ADMIN_EMAIL}) may start, by session or API token:
 * {@code POST /api/v1/admin/retention} runs retention now, {@code POST /api/v1/admin/read-models/{name}/rebuild}
 * rebuilds a read model from the journal. Both answer when done, with what they did and how long it took.
 */
public final class AdminRoutes extends AllDirectives {

  /** Long enough for a large store's sweep or replay; the server's default request timeout is much shorter. */
  static final Duration TIMEOUT = Duration.ofMinutes(30);

  private final ApiContext context;
  private final RequestSupport support;
  private final ActorRef<RetentionScheduler.Command> retention;
  private final ReadModelRebuild readModels;

  public AdminRoutes(ApiContext context, RequestSupport support, ActorRef<RetentionScheduler.Command> retention,
      ReadModelRebuild readModels) {
    this.context = context;
    this.support = support;
    this.retention = retention;
    this.readModels = readModels;
  }

  public Route route() {
    return pathPrefix("admin", () -> withRequestTimeout(TIMEOUT, () -> support.authenticated(principal -> concat(
        path("retention", () -> post(() -> support.answer(() -> runRetention(principal)))),
        pathPrefix("read-models", () -> pathPrefix(segment(), name -> path("rebuild", () -> post(() ->
            support.answer(() -> rebuild(principal, name))))))))));
  }

  private void requireAdmin(Principal principal) {
    String admin = context.settings().auth().adminEmail();
    if (admin.isBlank() || !Account.normalizeEmail(admin).equals(Account.normalizeEmail(principal.email()))) {
      throw new ApiException(403, "Only the administrator (FERRY_ADMIN_EMAIL) may do this");
    }
  }

  private CompletionStage<HttpResponse> runRetention(Principal principal) {
    requireAdmin(principal);
    return AskPattern.<RetentionScheduler.Command, Retention.Report>askWithStatus(retention,
            RetentionScheduler.RunNow::new, TIMEOUT, context.system().scheduler())
        .thenApply(report -> Responses.json(200, retentionJson(report)));
  }

  static ObjectNode retentionJson(Retention.Report report) {
    ObjectNode json = Json.object();
    json.put("at", report.at().toString());
    report.expired().forEach(json.putArray("expired")::add);
    BlobCollector.Result blobs = report.blobs();
    if (blobs == null) {
      json.putNull("garbageCollection");
    } else {
      json.putObject("garbageCollection")
          .put("manifestsDeleted", blobs.manifestsDeleted())
          .put("blobsDeleted", blobs.blobsDeleted())
          .put("bytesFreed", blobs.bytesFreed())
          .put("blobsKept", blobs.blobsKept());
    }
    json.put("durationMs", report.millis());
    return json;
  }

  private CompletionStage<HttpResponse> rebuild(Principal principal, String name) {
    requireAdmin(principal);
    ReadModelRebuild.Model model = ReadModelRebuild.model(name).orElseThrow(() -> new ApiException(404,
        "No read model " + name + " to rebuild; these can be: " + String.join(", ",
            new java.util.TreeSet<>(ReadModelRebuild.MODELS.keySet()))));
    return CompletableFuture.supplyAsync(() -> {
      try {
        return readModels.rebuild(model);
      } catch (IllegalStateException e) {
        throw new ApiException(409, e.getMessage());
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    }, context.blocking()).thenApply(rebuilt -> {
      ObjectNode json = Json.object();
      json.put("projection", rebuilt.projection());
      rebuilt.tables().forEach(json.putArray("tables")::add);
      json.put("events", rebuilt.events());
      json.put("durationMs", rebuilt.millis());
      return Responses.json(200, json);
    });
  }
}
