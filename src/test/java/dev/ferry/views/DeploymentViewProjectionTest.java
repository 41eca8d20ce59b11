package dev.ferry.views;

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
import java.util.List;
import java.util.Map;
import org.apache.pekko.japi.function.Effect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class DeploymentViewProjectionTest extends ProjectionTestDatabase {

  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

  private static final ProjectionTests kit = ProjectionTests.start(DeploymentViewProjectionTest.class);

  private final Journal<Deployment.Event> journal = new Journal<>("Deployment");

  @AfterAll
  static void shutdown() {
    kit.close();
  }

  @Test
  void deploymentQueuedInsertsTheRowWithNumberAndTarget() {
    journal.append("dpl_1", queued("dpl_1", "prj_1", 1, Deployment.PRODUCTION));
    journal.append("dpl_2", queued("dpl_2", "prj_1", 2, Deployment.PREVIEW));

    run(() -> {
      Map<String, Object> first = deployment("dpl_1");
      assertEquals("prj_1", first.get("project_id"));
      assertEquals(1L, first.get("number"));
      assertEquals("QUEUED", first.get("state"));
      assertEquals("production", first.get("target"));
      assertEquals(T0, instant(first.get("created_at")));
      assertEquals(T0, instant(first.get("updated_at")));
      assertEquals(2L, deployment("dpl_2").get("number"));
      assertEquals("preview", deployment("dpl_2").get("target"));
      assertNull(first.get("branch"), "a ref that is not known to be a branch");
    });
  }

  @Test
  void aDeploymentOfABranchRecordsTheBranch() {
    journal.append("dpl_1", new Deployment.DeploymentQueued("dpl_1", "prj_1", "blog", 1, Deployment.PREVIEW,
        Deployment.Source.commit("feature/login", "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "Initial commit",
            "Codertocat <octocat@example.com>"), null, Initiator.user("usr_alice"), T0));

    run(() -> assertEquals("feature/login", deployment("dpl_1").get("branch")));
  }

  @Test
  void eachLifecycleEventMovesTheState() {
    journal.append("dpl_1", queued("dpl_1", "prj_1", 1, Deployment.PRODUCTION));
    assertState("QUEUED", T0);

    journal.append("dpl_1", new Deployment.BuildStarted("w1", T0.plusSeconds(60), 1, T0.plusSeconds(1)));
    assertState("BUILDING", T0.plusSeconds(1));

    // Events that change no listed column leave the row as it is.
    journal.append("dpl_1", new Deployment.LeaseRenewed(T0.plusSeconds(120), T0.plusSeconds(2)));
    journal.append("dpl_1", new Deployment.SourceResolved("abc123", "Fix", "alice", T0.plusSeconds(3)));
    assertState("BUILDING", T0.plusSeconds(1));

    journal.append("dpl_1", new Deployment.PublishingStarted(T0.plusSeconds(4)));
    assertState("DEPLOYING", T0.plusSeconds(4));

    journal.append("dpl_1", new Deployment.DeploymentReady("prj_1", "blog", Deployment.PRODUCTION, 1, "vite", 3,
        300, null, T0.plusSeconds(5)));
    assertState("READY", T0.plusSeconds(5));

    journal.append("dpl_1", new Deployment.DeploymentExpired("prj_1", "superseded", Initiator.system("retention"),
        T0.plusSeconds(6)));
    assertState("EXPIRED", T0.plusSeconds(6));
  }

  @Test
  void failedAndCanceledDeploymentsEndInErrorAndCanceled() {
    journal.append("dpl_1", queued("dpl_1", "prj_1", 1, Deployment.PRODUCTION));
    journal.append("dpl_2", queued("dpl_2", "prj_1", 2, Deployment.PREVIEW));
    journal.append("dpl_1", new Deployment.BuildStarted("w1", T0.plusSeconds(60), 1, T0.plusSeconds(1)));
    journal.append("dpl_1", new Deployment.DeploymentFailed("prj_1", "npm ERR!", T0.plusSeconds(2)));
    journal.append("dpl_2", new Deployment.DeploymentCanceled("prj_1", Initiator.user("usr_alice"),
        null, T0.plusSeconds(3)));

    run(() -> {
      assertEquals("ERROR", deployment("dpl_1").get("state"));
      assertEquals("CANCELED", deployment("dpl_2").get("state"));
      assertEquals(T0.plusSeconds(3), instant(deployment("dpl_2").get("updated_at")));
    });
  }

  @Test
  void deploymentQueuedDeliveredTwiceLeavesOneRow() throws Exception {
    journal.redeliver(journal.append("dpl_1", queued("dpl_1", "prj_1", 1, Deployment.PRODUCTION)));

    run(() -> assertEquals("QUEUED", deployment("dpl_1").get("state")));
    assertEquals(List.of(1L), column(database, "SELECT COUNT(*) FROM deployments"));
  }

  private void assertState(String state, Instant updatedAt) {
    run(() -> {
      assertEquals(state, deployment("dpl_1").get("state"));
      assertEquals(updatedAt, instant(deployment("dpl_1").get("updated_at")));
    });
  }

  private void run(Effect assertion) {
    kit.runExactlyOnce("deployment-views", journal, database, DeploymentViewProjectionHandler::new, assertion);
  }

  private Map<String, Object> deployment(String id) throws Exception {
    return row(database, "SELECT * FROM deployments WHERE id = ?", id);
  }

  private static Deployment.DeploymentQueued queued(String deploymentId, String projectId, long number,
      String target) {
    return new Deployment.DeploymentQueued(deploymentId, projectId, "blog", number, target,
        Deployment.Source.git("main"), null, Initiator.user("usr_alice"), T0);
  }
}
