package dev.ferry.routing;

import static dev.ferry.testing.ProjectionTests.column;
import static dev.ferry.testing.ProjectionTests.row;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.common.Initiator;
import dev.ferry.deployment.Deployment;
import dev.ferry.project.Project;
import dev.ferry.testing.ProjectionTestDatabase;
import dev.ferry.testing.ProjectionTests;
import dev.ferry.testing.ProjectionTests.Journal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.japi.function.Effect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Both routing projections: the routes table and the replicated route table the edge reads. */
class RoutingProjectionTest extends ProjectionTestDatabase {

  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
  private static final Initiator ALICE = Initiator.user("usr_alice");
  private static final AtomicInteger projects = new AtomicInteger();

  private static final ProjectionTests kit = ProjectionTests.start(RoutingProjectionTest.class);
  // One per actor system; each test uses its own project names, so their hosts never meet.
  private static final RouteTable routeTable = RouteTable.get(kit.system());
  private static final Hosts hosts = new Hosts("localhost", "http", 8080);

  private final Journal<Deployment.Event> deployments = new Journal<>("Deployment");
  private final Journal<Project.Event> projectEvents = new Journal<>("Project");
  private final int project = projects.incrementAndGet();
  private final String projectId = "prj_" + project;
  private final String name = "blog" + project;

  @AfterAll
  static void shutdown() {
    kit.close();
  }

  @Test
  void aReadyDeploymentGetsItsImmutableHost() throws Exception {
    deployments.append("dpl_1", queued(projectId, name, "dpl_1"));
    deployments.append("dpl_1", new Deployment.BuildStarted("w1", T0.plusSeconds(60), 1, T0));
    deployments.append("dpl_2", queued(projectId, name, "dpl_2"));
    deployments.append("dpl_1", ready(projectId, name, 1));
    String host = name + "-dpl_1.localhost";

    runDeploymentRoutes(() -> {
      Map<String, Object> route = row(database, "SELECT * FROM routes WHERE host = ?", host);
      assertEquals("dpl_1", route.get("deployment_id"));
      assertEquals(projectId, route.get("project_id"));
      assertEquals("deployment", route.get("kind"));
      assertEquals(Optional.of("dpl_1"), routeTable.deploymentFor(host));
    });
    assertEquals(List.of(host), column(database, "SELECT host FROM routes"));
    assertEquals(Optional.empty(), routeTable.deploymentFor(name + "-dpl_2.localhost"));
  }

  @Test
  void promotionRoutesTheProductionHostAndASecondPromotionMovesIt() {
    String production = name + ".localhost";
    projectEvents.append(projectId, promoted(name, "dpl_1", 1, null));

    runProductionRoutes(() -> {
      Map<String, Object> route = row(database, "SELECT * FROM routes WHERE host = ?", production);
      assertEquals("dpl_1", route.get("deployment_id"));
      assertEquals(projectId, route.get("project_id"));
      assertEquals("production", route.get("kind"));
      assertEquals(Optional.of("dpl_1"), routeTable.deploymentFor(production));
    });

    projectEvents.append(projectId, promoted(name, "dpl_2", 2, "dpl_1"));
    runProductionRoutes(() -> {
      assertEquals(List.of("dpl_2"),
          column(database, "SELECT deployment_id FROM routes WHERE host = ?", production));
      assertEquals(Optional.of("dpl_2"), routeTable.deploymentFor(production));
    });

    // A rollback is a promotion too: only the pointer moves back.
    projectEvents.append(projectId, new Project.ProductionPromoted(name, "dpl_1", 1, "dpl_2",
        Project.PromotionReason.ROLLBACK, ALICE, T0.plusSeconds(3)));
    runProductionRoutes(() -> {
      assertEquals(List.of("dpl_1"),
          column(database, "SELECT deployment_id FROM routes WHERE host = ?", production));
      assertEquals(Optional.of("dpl_1"), routeTable.deploymentFor(production));
    });
  }

  @Test
  void aDeletedProjectLosesEveryHostAndALateReadyAddsNone() throws Exception {
    String otherId = projectId + "_other";
    String other = name + "other";
    deployments.append("dpl_1", ready(projectId, name, 1));
    deployments.append("dpl_2", ready(projectId, name, 2));
    deployments.append("dpl_9", ready(otherId, other, 1));
    runDeploymentRoutes(() -> assertEquals(3, column(database, "SELECT host FROM routes").size()));
    projectEvents.append(projectId, promoted(name, "dpl_2", 2, null));
    runProductionRoutes(() -> assertEquals(Optional.of("dpl_2"), routeTable.deploymentFor(name + ".localhost")));
    List<String> projectHosts = List.of(name + "-dpl_1.localhost", name + "-dpl_2.localhost", name + ".localhost");
    projectHosts.forEach(host -> assertEquals(1, routeTable.deploymentFor(host).stream().count(), host));

    // Delivered twice, as after an offset reset: the second one must not fail on the deleted_projects row.
    projectEvents.redeliver(
        projectEvents.append(projectId, new Project.ProjectDeleted(name, ALICE, T0.plusSeconds(10))));
    runProductionRoutes(() -> {
      assertEquals(List.of(), column(database, "SELECT host FROM routes WHERE project_id = ?", projectId));
      for (String host : projectHosts) {
        assertEquals(Optional.empty(), routeTable.deploymentFor(host), host);
      }
    });
    assertEquals(List.of(projectId), column(database, "SELECT project_id FROM deleted_projects"));
    assertEquals(Optional.of("dpl_9"), routeTable.deploymentFor(other + "-dpl_9.localhost"));

    // A deployment of the deleted project that finishes afterwards gets no host; one of another project does.
    // The projection handles one envelope after the other, so once the later one is routed the earlier one is done.
    deployments.append("dpl_3", ready(projectId, name, 3));
    deployments.append("dpl_10", ready(otherId, other, 2));
    runDeploymentRoutes(() -> assertEquals(Optional.of("dpl_10"),
        routeTable.deploymentFor(other + "-dpl_10.localhost")));
    assertEquals(List.of(), column(database, "SELECT host FROM routes WHERE project_id = ?", projectId));
    assertEquals(Optional.empty(), routeTable.deploymentFor(name + "-dpl_3.localhost"));
  }

  @Test
  void aBranchAliasFollowsTheNewestReadyDeploymentOfItsBranch() throws Exception {
    String alias = name + "-git-feature-login.localhost";
    deployments.append("dpl_1", ready(projectId, name, 1, "feature/login"));
    runDeploymentRoutes(() -> {
      Map<String, Object> route = row(database, "SELECT * FROM routes WHERE host = ?", alias);
      assertEquals("dpl_1", route.get("deployment_id"));
      assertEquals("branch", route.get("kind"));
      assertEquals(Optional.of("dpl_1"), routeTable.deploymentFor(alias));
    });

    // dpl_3 was requested after dpl_2 but finishes first: the older one does not take the alias back.
    deployments.append("dpl_3", ready(projectId, name, 3, "feature/login"));
    deployments.append("dpl_2", ready(projectId, name, 2, "feature/login"));
    deployments.append("dpl_4", ready(projectId, name, 4, "main"));
    runDeploymentRoutes(() -> assertEquals(Optional.of("dpl_4"),
        routeTable.deploymentFor(name + "-git-main.localhost")));
    assertEquals(Optional.of("dpl_3"), routeTable.deploymentFor(alias));
    assertEquals(List.of("dpl_3"), column(database, "SELECT deployment_id FROM routes WHERE host = ?", alias));
    assertEquals(Optional.of("dpl_2"), routeTable.deploymentFor(name + "-dpl_2.localhost"),
        "its own host it gets all the same");
  }

  @Test
  void aClosedBranchLosesItsAliasAndOnlyANewerDeploymentBringsItBack() throws Exception {
    String alias = name + "-git-changes.localhost";
    deployments.append("dpl_1", ready(projectId, name, 1, "changes"));
    runDeploymentRoutes(() -> assertEquals(Optional.of("dpl_1"), routeTable.deploymentFor(alias)));

    // The pull request closes after deployments 1 and 2 were requested; 2 is still building.
    projectEvents.append(projectId, new Project.BranchClosed(name, "changes", 2, ALICE, T0.plusSeconds(10)));
    runProductionRoutes(() -> assertEquals(Optional.empty(), routeTable.deploymentFor(alias)));
    assertEquals(List.of(), column(database, "SELECT host FROM routes WHERE host = ?", alias));
    assertEquals(Optional.of("dpl_1"), routeTable.deploymentFor(name + "-dpl_1.localhost"));

    // Its late READY does not re-add the alias; a push after the close (deployment 3) does.
    deployments.append("dpl_2", ready(projectId, name, 2, "changes"));
    deployments.append("dpl_9", ready(projectId, name, 9, "other"));
    runDeploymentRoutes(() -> assertEquals(Optional.of("dpl_9"),
        routeTable.deploymentFor(name + "-git-other.localhost")));
    assertEquals(Optional.empty(), routeTable.deploymentFor(alias));
    deployments.append("dpl_3", ready(projectId, name, 3, "changes"));
    runDeploymentRoutes(() -> assertEquals(Optional.of("dpl_3"), routeTable.deploymentFor(alias)));
  }

  @Test
  void aCloseSeenBeforeTheReadyOfAnOlderDeploymentStillWins() throws Exception {
    String alias = name + "-git-changes.localhost";
    // The two projections run independently: here the close is handled first.
    projectEvents.append(projectId, new Project.BranchClosed(name, "changes", 5, ALICE, T0.plusSeconds(10)));
    runProductionRoutes(() -> assertEquals(List.of(5L),
        column(database, "SELECT closed_through FROM branch_aliases WHERE project_id = ?", projectId)));
    deployments.append("dpl_5", ready(projectId, name, 5, "changes"));
    deployments.append("dpl_6", ready(projectId, name, 6, "unrelated"));
    runDeploymentRoutes(() -> assertEquals(Optional.of("dpl_6"),
        routeTable.deploymentFor(name + "-git-unrelated.localhost")));
    assertEquals(Optional.empty(), routeTable.deploymentFor(alias));
    assertEquals(List.of(), column(database, "SELECT host FROM routes WHERE host = ?", alias));
  }

  @Test
  void aDeletedProjectLosesItsBranchAliases() throws Exception {
    String alias = name + "-git-main.localhost";
    deployments.append("dpl_1", ready(projectId, name, 1, "main"));
    runDeploymentRoutes(() -> assertEquals(Optional.of("dpl_1"), routeTable.deploymentFor(alias)));
    projectEvents.append(projectId, new Project.ProjectDeleted(name, ALICE, T0.plusSeconds(10)));
    runProductionRoutes(() -> assertEquals(Optional.empty(), routeTable.deploymentFor(alias)));
    assertEquals(List.of(), column(database, "SELECT branch FROM branch_aliases WHERE project_id = ?", projectId));
  }

  @Test
  void anExpiredDeploymentLosesItsHostAndBranchAliasButNotProduction() throws Exception {
    String alias = name + "-git-feature.localhost";
    deployments.append("dpl_1", ready(projectId, name, 1, "feature"));
    deployments.append("dpl_2", ready(projectId, name, 2));
    runDeploymentRoutes(() -> assertEquals(Optional.of("dpl_1"), routeTable.deploymentFor(alias)));
    // A promotion that raced retention: the production host keeps serving what it points at.
    projectEvents.append(projectId, promoted(name, "dpl_2", 2, null));
    runProductionRoutes(() -> assertEquals(Optional.of("dpl_2"), routeTable.deploymentFor(name + ".localhost")));

    Initiator retention = Initiator.system("retention");
    deployments.append("dpl_1", new Deployment.DeploymentExpired(projectId, "old preview", retention, T0));
    deployments.append("dpl_2", new Deployment.DeploymentExpired(projectId, "raced", retention, T0));
    runDeploymentRoutes(() -> {
      assertEquals(Optional.empty(), routeTable.deploymentFor(name + "-dpl_1.localhost"));
      assertEquals(Optional.empty(), routeTable.deploymentFor(alias));
      assertEquals(Optional.empty(), routeTable.deploymentFor(name + "-dpl_2.localhost"));
    });
    assertEquals(List.of(name + ".localhost"),
        column(database, "SELECT host FROM routes WHERE project_id = ?", projectId));
    assertEquals(Optional.of("dpl_2"), routeTable.deploymentFor(name + ".localhost"));
    assertEquals(java.util.Collections.singletonList(null),
        column(database, "SELECT deployment_id FROM branch_aliases WHERE project_id = ?", projectId));

    // A newer deployment of the branch takes the alias again.
    deployments.append("dpl_3", ready(projectId, name, 3, "feature"));
    runDeploymentRoutes(() -> assertEquals(Optional.of("dpl_3"), routeTable.deploymentFor(alias)));
  }

  private void runDeploymentRoutes(Effect assertion) {
    kit.runExactlyOnce("deployment-routes", deployments, database,
        () -> new RoutingProjectionHandler(hosts, routeTable), assertion);
  }

  private void runProductionRoutes(Effect assertion) {
    kit.runExactlyOnce("production-routes", projectEvents, database,
        () -> new ProductionRoutingProjectionHandler(hosts, routeTable), assertion);
  }

  private static Deployment.DeploymentQueued queued(String projectId, String projectName, String deploymentId) {
    return new Deployment.DeploymentQueued(deploymentId, projectId, projectName, 1, Deployment.PRODUCTION,
        Deployment.Source.git("main"), null, ALICE, T0);
  }

  private static Deployment.DeploymentReady ready(String projectId, String projectName, long number) {
    return ready(projectId, projectName, number, null);
  }

  private static Deployment.DeploymentReady ready(String projectId, String projectName, long number, String branch) {
    return new Deployment.DeploymentReady(projectId, projectName, Deployment.PREVIEW, number, "vite", 1, 10,
        branch, T0.plusSeconds(number));
  }

  private static Project.ProductionPromoted promoted(String projectName, String deploymentId, long number,
      String previous) {
    return new Project.ProductionPromoted(projectName, deploymentId, number, previous, Project.PromotionReason.AUTO,
        Initiator.system("auto-promotion"), T0.plusSeconds(number));
  }
}
