package dev.ferry.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ferry.db.Database;
import dev.ferry.db.PlainJdbcSession;
import dev.ferry.db.Sql;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.japi.function.Effect;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.projection.HandlerRecoveryStrategy;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.javadsl.Handler;
import org.apache.pekko.projection.javadsl.SourceProvider;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;
import org.apache.pekko.projection.jdbc.javadsl.JdbcProjection;
import org.apache.pekko.projection.testkit.javadsl.ProjectionTestKit;
import org.apache.pekko.projection.testkit.javadsl.TestSourceProvider;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Shared set-up for the projection tests: a single-node cluster (Distributed Data and sharding work), the
 * persistence testkit's in-memory journal, a real H2 database per test, and the real handlers run through
 * {@link JdbcProjection} with their offsets in that database. Events come from a {@link Journal}, which plays
 * the part of {@code eventsByTag}: each run replays the whole tag and resumes after the stored offset.
 */
public final class ProjectionTests implements AutoCloseable {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final ActorTestKit testKit;
  private final ProjectionTestKit projectionTestKit;

  private ProjectionTests(ActorTestKit testKit) {
    this.testKit = testKit;
    this.projectionTestKit = ProjectionTestKit.create(testKit.system());
  }

  /** Starts an actor system for {@code testClass} and waits until it is an Up member of its own cluster. */
  public static ProjectionTests start(Class<?> testClass) {
    return start(testClass, ConfigFactory.empty());
  }

  /** Like {@link #start(Class)}, with {@code overrides} on top of {@link #config()}. */
  public static ProjectionTests start(Class<?> testClass, Config overrides) {
    ActorTestKit testKit = ActorTestKit.create(testClass.getSimpleName(), overrides.withFallback(config()));
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    testKit.createTestProbe().awaitAssert(TIMEOUT, () -> {
      assertEquals(MemberStatus.up(), cluster.selfMember().status());
      return Done.getInstance();
    });
    return new ProjectionTests(testKit);
  }

  /**
   * A cluster node on a free loopback port, the in-memory journal, and Ferry's projection and serialization
   * settings. Not application.conf: that one binds fixed ports and points the journal at a database.
   */
  public static Config config() {
    return ConfigFactory.parseString(String.join("\n",
            "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
            "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
            "pekko.actor.provider = cluster",
            "pekko.remote.artery.canonical.hostname = 127.0.0.1",
            "pekko.remote.artery.canonical.port = 0",
            "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on",
            "pekko.cluster.distributed-data.notify-subscribers-interval = 20 ms",
            "pekko.coordinated-shutdown.exit-jvm = off"))
        .withFallback(PersistenceTestKitPlugin.getInstance().config())
        .withFallback(PersistenceTestKitSnapshotPlugin.getInstance().config())
        .withFallback(ConfigFactory.parseResources("projection.conf"))
        .withFallback(ConfigFactory.parseResources("serialization.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  public ActorSystem<Void> system() {
    return testKit.system();
  }

  public ActorTestKit testKit() {
    return testKit;
  }

  /** Retries {@code assertion} until it passes or {@link #TIMEOUT} runs out. */
  public void awaitAssert(Effect assertion) {
    testKit.createTestProbe().awaitAssert(TIMEOUT, () -> {
      assertion.apply();
      return Done.getInstance();
    });
  }

  /** A fresh H2 database in {@code dir} with every migration applied. */
  public static Database database(Path dir) {
    Database database = Database.open(Database.embeddedUrl(dir), "ferry", "", 4);
    database.migrate();
    return database;
  }

  /**
   * Runs the exactly-once projection {@code name} over everything in {@code journal} (from its stored offset on)
   * until it has stored the journal's last offset and {@code assertion} passes, then stops it.
   */
  public <E> void runExactlyOnce(String name, Journal<E> journal, Database database,
      Supplier<JdbcHandler<EventEnvelope<E>, PlainJdbcSession>> handler, Effect assertion) {
    ProjectionId id = journal.projectionId(name);
    projectionTestKit.run(
        JdbcProjection.exactlyOnce(id, journal.sourceProvider(), () -> new PlainJdbcSession(database.dataSource()),
            handler, system()),
        TIMEOUT, () -> {
          assertEquals(journal.lastOffset(), storedOffset(database, id), "stored offset of " + id);
          assertion.apply();
        });
  }

  /** Like {@link #runExactlyOnce}, for an at-least-once handler; the offset is stored after every envelope. */
  public <E> void runAtLeastOnce(String name, Journal<E> journal, Database database,
      Supplier<Handler<EventEnvelope<E>>> handler, Effect assertion) {
    runAtLeastOnce(name, journal, database, handler, HandlerRecoveryStrategy.fail(), assertion);
  }

  /**
   * With {@code recovery} for a failing envelope. (The testkit does not restart a failed projection, as
   * production does with its restart backoff; a retrying strategy stands in for that.)
   */
  public <E> void runAtLeastOnce(String name, Journal<E> journal, Database database,
      Supplier<Handler<EventEnvelope<E>>> handler, HandlerRecoveryStrategy recovery, Effect assertion) {
    ProjectionId id = journal.projectionId(name);
    projectionTestKit.run(
        JdbcProjection.atLeastOnceAsync(id, journal.sourceProvider(),
                () -> new PlainJdbcSession(database.dataSource()), handler, system())
            .withSaveOffset(1, Duration.ofMillis(1))
            .withRecoveryStrategy(recovery),
        TIMEOUT, () -> {
          assertEquals(journal.lastOffset(), storedOffset(database, id), "stored offset of " + id);
          assertion.apply();
        });
  }

  /** The offset the projection committed, as the offset store keeps it. */
  public static Optional<Long> storedOffset(Database database, ProjectionId id) throws SQLException {
    return Sql.query(database.dataSource(),
            "SELECT \"current_offset\" FROM \"pekko_projection_offset_store\" "
                + "WHERE \"projection_name\" = ? AND \"projection_key\" = ?",
            row -> Long.parseLong(row.getString(1)), id.name(), id.key())
        .stream().findFirst();
  }

  /** The first column of every row {@code sql} returns. */
  public static <T> List<T> column(Database database, String sql, Object... params) throws SQLException {
    return Sql.query(database.dataSource(), sql, row -> {
      @SuppressWarnings("unchecked")
      T value = (T) row.getObject(1);
      return value;
    }, params);
  }

  /** The single row {@code sql} returns, by lower-case column name; fails unless there is exactly one. */
  public static Map<String, Object> row(Database database, String sql, Object... params) throws SQLException {
    List<Map<String, Object>> rows = Sql.query(database.dataSource(), sql, result -> {
      Map<String, Object> values = new HashMap<>();
      for (int i = 1; i <= result.getMetaData().getColumnCount(); i++) {
        values.put(result.getMetaData().getColumnLabel(i).toLowerCase(), result.getObject(i));
      }
      return values;
    }, params);
    assertEquals(1, rows.size(), () -> "rows for " + sql + ": " + rows);
    return rows.get(0);
  }

  /** A {@code TIMESTAMP WITH TIME ZONE} value as an instant. */
  public static Instant instant(Object value) {
    return ((OffsetDateTime) value).toInstant();
  }

  @Override
  public void close() {
    testKit.shutdownTestKit();
  }

  /**
   * One tag of an entity type's journal: appended events get consecutive offsets (a {@link Sequence}, as the JDBC
   * read journal gives) and per-entity sequence numbers.
   */
  public static final class Journal<E> {

    private final String entityType;
    private final List<EventEnvelope<E>> envelopes = new ArrayList<>();
    private final Map<String, Long> sequenceNrs = new HashMap<>();

    public Journal(String entityType) {
      this.entityType = entityType;
    }

    /** Appends {@code event} of entity {@code entityId} and returns its envelope. */
    public EventEnvelope<E> append(String entityId, E event) {
      String persistenceId = entityType + "|" + entityId;
      long sequenceNr = sequenceNrs.merge(persistenceId, 1L, Long::sum);
      EventEnvelope<E> envelope = EventEnvelope.create(Sequence.apply(envelopes.size() + 1L), persistenceId,
          sequenceNr, event, System.currentTimeMillis());
      envelopes.add(envelope);
      return envelope;
    }

    /** Delivers {@code envelope} again under a new offset, as a replay of the tag after an offset reset would. */
    public void redeliver(EventEnvelope<E> envelope) {
      envelopes.add(EventEnvelope.create(Sequence.apply(envelopes.size() + 1L), envelope.persistenceId(),
          envelope.sequenceNr(), envelope.event(), envelope.timestamp()));
    }

    public Optional<Long> lastOffset() {
      return envelopes.isEmpty() ? Optional.empty() : Optional.of((long) envelopes.size());
    }

    ProjectionId projectionId(String name) {
      return ProjectionId.of(name, entityType.toLowerCase() + "-0");
    }

    /** The whole tag from the start, minus what the projection already stored an offset for. */
    SourceProvider<Offset, EventEnvelope<E>> sourceProvider() {
      return TestSourceProvider.<Offset, EventEnvelope<E>>create(Source.from(List.copyOf(envelopes)),
              EventEnvelope::offset)
          .withStartSourceFrom((stored, offset) -> value(offset) <= value(stored));
    }

    private static long value(Offset offset) {
      return ((Sequence) offset).value();
    }
  }

  /** Wraps a handler and counts the envelopes it is given, to prove what was (not) processed again. */
  public static final class CountingHandler<E> extends JdbcHandler<EventEnvelope<E>, PlainJdbcSession> {

    private final JdbcHandler<EventEnvelope<E>, PlainJdbcSession> delegate;
    private final AtomicInteger count;

    public CountingHandler(JdbcHandler<EventEnvelope<E>, PlainJdbcSession> delegate, AtomicInteger count) {
      this.delegate = delegate;
      this.count = count;
    }

    @Override
    public void process(PlainJdbcSession session, EventEnvelope<E> envelope) throws Exception {
      count.incrementAndGet();
      delegate.process(session, envelope);
    }
  }
}
