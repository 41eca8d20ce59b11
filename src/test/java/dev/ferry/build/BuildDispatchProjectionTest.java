package dev.ferry.build;

import static dev.ferry.testing.ProjectionTests.column;
import static dev.ferry.testing.ProjectionTests.instant;
import static dev.ferry.testing.ProjectionTests.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ferry.common.Initiator;
import dev.ferry.deployment.Deployment;
import dev.ferry.testing.ProjectionTestDatabase;
import dev.ferry.testing.ProjectionTests;
import dev.ferry.testing.ProjectionTests.Journal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.japi.function.Effect;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class BuildDispatchProjectionTest extends ProjectionTestDatabase {

  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

  private static final ProjectionTests kit = ProjectionTests.start(BuildDispatchProjectionTest.class);

  private final Journal<Deployment.Event> journal = new Journal<>("Deployment");

  @AfterAll
  static void shutdown() {
    kit.close();
  }

  @Test
  void aQueuedDeploymentWaitsInTheQueue() {
    journal.append("dpl_1", queued("dpl_1", T0));

    run(() -> {
      Map<String, Object> row = row(database, "SELECT * FROM build_queue WHERE deployment_id = ?", "dpl_1");
      assertEquals("prj_1", row.get("project_id"));
      assertEquals(T0, instant(row.get("queued_at")));
      assertNull(row.get("worker"));
      assertNull(row.get("lease_until"));
    });
  }

  @Test
  void aQueuedEventDeliveredAgainLeavesOneRowAndKeepsTheLease() throws Exception {
    EventEnvelope<Deployment.Event> queued = journal.append("dpl_1", queued("dpl_1", T0));
    run(() -> assertEquals(List.of("dpl_1"), column(database, "SELECT deployment_id FROM build_queue")));
    Instant lease = Instant.now().plusSeconds(60).truncatedTo(ChronoUnit.MICROS);
    assertEquals(Optional.of("dpl_1"), new BuildQueue(database.dataSource()).take("worker-a", lease));

    journal.redeliver(queued);
    run(() -> {
      Map<String, Object> row = row(database, "SELECT * FROM build_queue");
      assertEquals("dpl_1", row.get("deployment_id"));
      assertEquals("worker-a", row.get("worker"));
      assertEquals(lease, instant(row.get("lease_until")));
    });
  }

  @Test
  void aFinishedDeploymentLeavesTheQueue() throws Exception {
    for (String id : List.of("dpl_ready", "dpl_error", "dpl_canceled", "dpl_building")) {
      journal.append(id, queued(id, T0));
    }
    run(() -> assertEquals(4, column(database, "SELECT deployment_id FROM build_queue").size()));

    for (String id : List.of("dpl_ready", "dpl_error", "dpl_building")) {
      journal.append(id, new Deployment.BuildStarted("worker-a", T0.plusSeconds(60), 1, T0.plusSeconds(1)));
    }
    journal.append("dpl_ready", new Deployment.PublishingStarted(T0.plusSeconds(2)));
    journal.append("dpl_ready", new Deployment.DeploymentReady("prj_1", "blog", Deployment.PRODUCTION, 1, "vite", 1,
        10, "main", T0.plusSeconds(3)));
    journal.append("dpl_error", new Deployment.DeploymentFailed("prj_1", "npm ERR!", T0.plusSeconds(3)));
    journal.append("dpl_canceled", new Deployment.DeploymentCanceled("prj_1", Initiator.user("usr_alice"),
        null, T0.plusSeconds(3)));

    run(() -> assertEquals(List.of("dpl_building"), column(database, "SELECT deployment_id FROM build_queue")));
  }

  private void run(Effect assertion) {
    kit.runExactlyOnce("build-dispatch", journal, database, BuildDispatchProjectionHandler::new, assertion);
  }

  private static Deployment.DeploymentQueued queued(String deploymentId, Instant at) {
    return new Deployment.DeploymentQueued(deploymentId, "prj_1", "blog", 1, Deployment.PRODUCTION,
        Deployment.Source.git("main"), null, Initiator.user("usr_alice"), at);
  }
}
