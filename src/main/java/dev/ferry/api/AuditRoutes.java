package dev.ferry.api;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.ferry.common.Initiator;
import dev.ferry.deployment.Deployment;
import dev.ferry.project.Project;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * {@code GET /api/v1/projects/{project}/events} and {@code /deployments/{id}/events}: the entity's journal replayed
 * as an audit trail — sequence number, event type, time, who did it and what changed, with secret material
 * (sealed values, keys, hashes) redacted.
 */
public final class AuditRoutes extends AllDirectives {

  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;
  /** Fields that hold secrets or their derivatives: never shown, even encrypted. */
  static final Set<String> REDACTED = Set.of("sealedValue", "dataKey", "newDataKey", "wrappedBase64",
      "passwordHash", "refreshTokenHash", "previousTokenHash", "newTokenHash", "tokenHash", "gitAccessToken",
      "sealedAccessToken", "secret", "secretHash", "sealedCertificate", "sealedAccountKey");

  private static final ObjectMapper EVENTS = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private final ApiContext context;
  private final RequestSupport support;
  public AuditRoutes(ApiContext context, RequestSupport support) {
    this.context = context;
    this.support = support;
  }

  /** Looked up on first use: the read journal opens its database pool, which a node without audits never needs. */
  private JdbcReadJournal journal() {
    return PersistenceQuery.get(context.system().classicSystem())
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
  }

  public Route route() {
    return concat(
        pathPrefix("projects", () -> pathPrefix(segment(), project -> path("events", () -> get(() ->
            support.authenticated(principal -> events(from -> support.project(project, principal)
                .thenCompose(p -> replay(Project.ENTITY_KEY.name() + "|" + p.id(), from.seq(), from.limit())))))))),
        pathPrefix("deployments", () -> pathPrefix(segment(), id -> path("events", () -> get(() ->
            support.authenticated(principal -> events(from -> support.deployment(id, principal)
                .thenCompose(d -> replay(Deployment.ENTITY_KEY.name() + "|" + d.id(), from.seq(),
                    from.limit())))))))));
  }

  private record From(long seq, int limit) {}

  private Route events(java.util.function.Function<From, CompletionStage<HttpResponse>> handler) {
    return parameterOptional("fromSeq", fromSeq -> parameterOptional("limit", limit -> support.answer(() ->
        handler.apply(new From(parse(fromSeq, 1, "fromSeq", Long.MAX_VALUE), (int) parse(limit, DEFAULT_LIMIT,
            "limit", MAX_LIMIT))))));
  }

  private static long parse(Optional<String> value, long fallback, String name, long max) {
    try {
      long parsed = value.map(Long::parseLong).orElse(fallback);
      if (parsed < 1 || parsed > max) {
        throw new NumberFormatException();
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new ApiException(400, name + " must be a whole number from 1 to " + max);
    }
  }

  private CompletionStage<HttpResponse> replay(String persistenceId, long fromSeq, int limit) {
    return journal().currentEventsByPersistenceId(persistenceId, fromSeq, fromSeq + limit)
        .take(limit + 1)
        .runWith(Sink.seq(), context.system())
        .thenApply(envelopes -> {
          boolean more = envelopes.size() > limit;
          List<EventEnvelope> shown = more ? envelopes.subList(0, limit) : envelopes;
          String next = more ? Long.toString(shown.get(shown.size() - 1).sequenceNr() + 1) : null;
          return Responses.list(shown.stream().map(AuditRoutes::item).toList(), next);
        });
  }

  static ObjectNode item(EventEnvelope envelope) {
    Object event = envelope.event();
    ObjectNode data = EVENTS.valueToTree(event);
    redact(data);
    JsonNode initiator = data.remove("initiator");
    JsonNode at = data.remove("at");
    ObjectNode item = Json.object();
    item.put("seq", envelope.sequenceNr());
    item.put("type", event.getClass().getSimpleName());
    item.put("at", at != null && at.isTextual() ? at.asText()
        : Instant.ofEpochMilli(envelope.timestamp()).toString());
    item.set("actor", initiator != null && !initiator.isNull() ? initiator : actorOf(event));
    item.set("data", data);
    return item;
  }

  /** Events without an initiator were written by Ferry itself (a build worker, a projection). */
  private static JsonNode actorOf(Object event) {
    return EVENTS.valueToTree(Initiator.system(event instanceof Deployment.Event ? "build" : "ferry"));
  }

  private static void redact(JsonNode node) {
    if (node instanceof ObjectNode object) {
      for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        if (REDACTED.contains(field.getKey()) && !field.getValue().isNull()) {
          field.setValue(Json.MAPPER.getNodeFactory().textNode("[redacted]"));
        } else {
          redact(field.getValue());
        }
      }
    } else if (node != null && node.isArray()) {
      node.forEach(AuditRoutes::redact);
    }
  }
}
