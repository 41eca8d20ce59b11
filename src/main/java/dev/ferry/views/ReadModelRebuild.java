package dev.ferry.views;

import dev.ferry.common.CborSerializable;
import dev.ferry.common.Tags;
import dev.ferry.db.Sql;
import dev.ferry.deployment.Deployment;
import dev.ferry.project.Project;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.javadsl.ProjectionManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds a read model from the journal: pauses every instance of its projection (one per tag), empties its tables,
 * clears the offsets, resumes, and waits until each instance has caught up with what the journal held when the
 * rebuild started. While it runs, the API lists what has been replayed so far.
 */
public final class ReadModelRebuild {

  private static final Logger log = LoggerFactory.getLogger(ReadModelRebuild.class);
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);

  /** A read model that may be rebuilt: its projection, the entity type it follows, the tables it alone writes. */
  public record Model(String projection, String entityType, List<String> tables) {}

  /** The rebuildable read models, by projection name. */
  public static final Map<String, Model> MODELS = Map.of(
      "project-views", new Model("project-views", Project.ENTITY_KEY.name(), List.of("projects")),
      "deployment-views", new Model("deployment-views", Deployment.ENTITY_KEY.name(), List.of("deployments")));

  /** What a rebuild did: the events replayed and how long it took. */
  public record Rebuilt(String projection, List<String> tables, long events, long millis)
      implements CborSerializable {}

  private final ActorSystem<?> system;
  private final DataSource dataSource;
  private final Duration catchUpTimeout;
  private final Set<String> running = ConcurrentHashMap.newKeySet();

  public ReadModelRebuild(ActorSystem<?> system, DataSource dataSource, Duration catchUpTimeout) {
    this.system = system;
    this.dataSource = dataSource;
    this.catchUpTimeout = catchUpTimeout;
  }

  public static Optional<Model> model(String projection) {
    return Optional.ofNullable(MODELS.get(projection));
  }

  /** Blocking: answers once the read model has caught up again. */
  public Rebuilt rebuild(Model model) throws Exception {
    if (!running.add(model.projection())) {
      throw new IllegalStateException("A rebuild of " + model.projection() + " is running already");
    }
    try {
      return rebuildNow(model);
    } finally {
      running.remove(model.projection());
    }
  }

  private Rebuilt rebuildNow(Model model) throws Exception {
    long start = System.nanoTime();
    ProjectionManagement management = ProjectionManagement.get(system);
    List<String> tags = Tags.all(model.entityType());
    List<ProjectionId> ids = tags.stream().map(tag -> ProjectionId.of(model.projection(), tag)).toList();
    List<Long> targets = new ArrayList<>();
    long events = 0;
    for (String tag : tags) {
      targets.add(Sql.query(dataSource, "SELECT COALESCE(MAX(\"event_id\"), 0) FROM \"event_tag\" WHERE \"tag\" = ?",
          row -> row.getLong(1), tag).get(0));
      events += Sql.query(dataSource, "SELECT COUNT(*) FROM \"event_tag\" WHERE \"tag\" = ?", row -> row.getLong(1),
          tag).get(0);
    }
    try {
      for (ProjectionId id : ids) {
        await(management.pause(id));
      }
      try (Connection connection = dataSource.getConnection()) {
        connection.setAutoCommit(false);
        for (String table : model.tables()) {
          Sql.update(connection, "DELETE FROM " + table);
        }
        connection.commit();
      }
      for (ProjectionId id : ids) {
        await(management.clearOffset(id));
      }
    } finally {
      // Whatever failed, the projection runs again (a failed rebuild can be started again).
      for (ProjectionId id : ids) {
        await(management.resume(id));
      }
    }
    awaitCaughtUp(model.projection(), tags, targets);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    log.info("Rebuilt read model {} ({}) from {} events in {} ms", model.projection(), model.tables(), events, millis);
    return new Rebuilt(model.projection(), model.tables(), events, millis);
  }

  private void awaitCaughtUp(String projection, List<String> tags, List<Long> targets)
      throws SQLException, InterruptedException {
    Instant deadline = Instant.now().plus(catchUpTimeout);
    for (int i = 0; i < tags.size(); i++) {
      while (offset(projection, tags.get(i)) < targets.get(i)) {
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("The projection " + projection + " did not catch up with tag "
              + tags.get(i) + " in " + catchUpTimeout.toSeconds() + " s; it goes on replaying");
        }
        Thread.sleep(50);
      }
    }
  }

  private long offset(String projection, String tag) throws SQLException {
    return Sql.query(dataSource, "SELECT \"current_offset\" FROM \"pekko_projection_offset_store\" "
            + "WHERE \"projection_name\" = ? AND \"projection_key\" = ?", row -> Long.parseLong(row.getString(1)),
        projection, tag).stream().findFirst().orElse(0L);
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> step) throws Exception {
    return step.toCompletableFuture().get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }
}
