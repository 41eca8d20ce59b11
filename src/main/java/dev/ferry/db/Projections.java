package dev.ferry.db;

import dev.ferry.common.Tags;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ShardedDaemonProcessSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.projection.ProjectionBehavior;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.eventsourced.javadsl.EventSourcedProvider;
import org.apache.pekko.projection.javadsl.Handler;
import org.apache.pekko.projection.javadsl.SourceProvider;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;
import org.apache.pekko.projection.jdbc.javadsl.JdbcProjection;

/**
 * Runs a projection as a {@link ShardedDaemonProcess}: one instance per tag of an entity type, spread over the
 * cluster and moved when a node leaves. Offsets live in the node's database.
 */
public final class Projections {

  private final ActorSystem<?> system;
  private final DataSource dataSource;

  public Projections(ActorSystem<?> system, DataSource dataSource) {
    this.system = system;
    this.dataSource = dataSource;
  }

  /** Handler and offset commit in one transaction: read models see every event exactly once. */
  public <E> void exactlyOnce(String name, String entityType,
      Supplier<JdbcHandler<EventEnvelope<E>, PlainJdbcSession>> handler) {
    run(name, entityType, tag -> JdbcProjection.exactlyOnce(
        ProjectionId.of(name, tag), source(tag), () -> new PlainJdbcSession(dataSource), handler, system));
  }

  /** Side effects outside the database (entity commands): at-least-once, so handlers must be idempotent. */
  public <E> void atLeastOnce(String name, String entityType, Supplier<Handler<EventEnvelope<E>>> handler) {
    run(name, entityType, tag -> JdbcProjection.atLeastOnceAsync(
        ProjectionId.of(name, tag), source(tag), () -> new PlainJdbcSession(dataSource), handler, system));
  }

  /** The entity id inside a persistence id such as {@code Deployment|k3x9a2mq7z}. */
  public static String entityId(String persistenceId) {
    return persistenceId.substring(persistenceId.indexOf('|') + 1);
  }

  private interface ProjectionFactory {
    org.apache.pekko.projection.Projection<?> create(String tag);
  }

  private void run(String name, String entityType, ProjectionFactory factory) {
    List<String> tags = Tags.all(entityType);
    ShardedDaemonProcess.get(system).init(
        ProjectionBehavior.Command.class,
        name,
        tags.size(),
        index -> ProjectionBehavior.create(factory.create(tags.get(index))),
        ShardedDaemonProcessSettings.create(system),
        Optional.of(ProjectionBehavior.stopMessage()));
  }

  private <E> SourceProvider<Offset, EventEnvelope<E>> source(String tag) {
    return EventSourcedProvider.eventsByTag(system, JdbcReadJournal.Identifier(), tag);
  }
}
