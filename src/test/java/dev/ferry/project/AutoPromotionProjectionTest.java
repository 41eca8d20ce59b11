package dev.ferry.project;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.common.Initiator;
import dev.ferry.db.Database;
import dev.ferry.deployment.Deployment;
import dev.ferry.secrets.WrappedKey;
import dev.ferry.testing.ProjectionTests;
import dev.ferry.testing.ProjectionTests.Journal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.japi.function.Effect;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.apache.pekko.projection.HandlerRecoveryStrategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The auto-promotion projection against real, sharded Project entities on the in-memory journal. */
class AutoPromotionProjectionTest {

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
  private static final Initiator ALICE = Initiator.user("usr_alice");
  private static final WrappedKey DATA_KEY = new WrappedKey("mk-0000000000000000", "d3JhcHBlZA==");
  private static final AtomicInteger projects = new AtomicInteger();

  private static final ProjectionTests kit = ProjectionTests.start(AutoPromotionProjectionTest.class);

  @TempDir
  Path dataDir;
  private Database database;
  private final Journal<Deployment.Event> journal = new Journal<>("Deployment");
  private final String projectId = "prj_" + projects.incrementAndGet();

  @BeforeAll
  static void startSharding() {
    Project.init(kit.system());
  }

  @BeforeEach
  void open() throws Exception {
    database = ProjectionTests.database(dataDir);
    project().<Project.State>askWithStatus(replyTo -> new Project.Create("blog" + projectId, "usr_alice",
            new ProjectSettings(null, "main", null, null, null, null, null), DATA_KEY, ALICE, replyTo),
            ASK_TIMEOUT)
        .toCompletableFuture().get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  @AfterEach
  void closeDatabase() {
    database.close();
  }

  @AfterAll
  static void shutdown() {
    kit.close();
  }

  @Test
  void aReadyProductionDeploymentBecomesProduction() {
    journal.append("dpl_1", ready(projectId, Deployment.PRODUCTION, 1));

    run(() -> assertEquals("dpl_1", state().productionDeploymentId()));
    assertEquals(List.of("dpl_1"), promotions());
  }

  @Test
  void aReadyPreviewDeploymentDoesNot() {
    journal.append("dpl_1", ready(projectId, Deployment.PRODUCTION, 1));
    journal.append("dpl_2", ready(projectId, Deployment.PREVIEW, 2));
    journal.append("dpl_3", ready(projectId, Deployment.PRODUCTION, 3));

    // The handler asks for one envelope after the other: once dpl_3 serves, dpl_2 was handled before it.
    run(() -> assertEquals("dpl_3", state().productionDeploymentId()));
    assertEquals(List.of("dpl_1", "dpl_3"), promotions());
  }

  @Test
  void aReplayedOrOlderReadyChangesNothing() {
    journal.append("dpl_1", ready(projectId, Deployment.PRODUCTION, 1));
    journal.append("dpl_2", ready(projectId, Deployment.PRODUCTION, 2));
    run(() -> assertEquals("dpl_2", state().productionDeploymentId()));

    // At-least-once: the same envelope can come again; the entity ignores a promotion that is not newer.
    journal.redeliver(journal.append("dpl_1b", ready(projectId, Deployment.PRODUCTION, 1)));
    run(() -> assertEquals("dpl_2", state().productionDeploymentId()));
    assertEquals(List.of("dpl_1", "dpl_2"), promotions());
  }

  @Test
  void aReadyDeploymentOfAnUnknownProjectDoesNotStopTheProjection() {
    journal.append("dpl_x", ready("prj_unknown", Deployment.PRODUCTION, 1));
    journal.append("dpl_1", ready(projectId, Deployment.PRODUCTION, 1));

    run(() -> assertEquals("dpl_1", state().productionDeploymentId()));
  }

  @Test
  void aPromotionTheProjectDidNotAnswerIsRetried() {
    // The entity fails to persist the promotion and stops without answering, as when its node goes down.
    PersistenceTestKit.create(kit.system()).failNextPersisted("Project|" + projectId);
    journal.append("dpl_1", ready(projectId, Deployment.PRODUCTION, 1));

    // The unanswered ask fails the envelope; retrying it (the next ask restarts the entity) promotes.
    kit.runAtLeastOnce("auto-promotion", journal, database,
        () -> new AutoPromotionProjectionHandler(kit.system(), Duration.ofSeconds(1)),
        HandlerRecoveryStrategy.retryAndFail(3, Duration.ofMillis(100)),
        () -> assertEquals("dpl_1", state().productionDeploymentId()));
    assertEquals(List.of("dpl_1"), promotions());
  }

  private void run(Effect assertion) {
    kit.runAtLeastOnce("auto-promotion", journal, database,
        () -> new AutoPromotionProjectionHandler(kit.system()), assertion);
  }

  private EntityRef<Project.Command> project() {
    return ClusterSharding.get(kit.system()).entityRefFor(Project.ENTITY_KEY, projectId);
  }

  private Project.State state() throws Exception {
    return project().<Project.State>askWithStatus(Project.Get::new, ASK_TIMEOUT)
        .toCompletableFuture().get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The deployments the Project journal records as promoted, in order. */
  private List<String> promotions() {
    return PersistenceTestKit.create(kit.system()).persistedInStorage("Project|" + projectId).stream()
        .filter(Project.ProductionPromoted.class::isInstance)
        .map(event -> ((Project.ProductionPromoted) event).deploymentId())
        .toList();
  }

  private static Deployment.DeploymentReady ready(String projectId, String target, long number) {
    return new Deployment.DeploymentReady(projectId, "blog", target, number, "vite", 1, 10, null, T0.plusSeconds(number));
  }
}
