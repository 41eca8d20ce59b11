package dev.ferry.domains;

import static dev.ferry.testing.ProjectionTests.column;
import static dev.ferry.testing.ProjectionTests.row;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.common.Initiator;
import dev.ferry.project.Project;
import dev.ferry.routing.RouteTable;
import dev.ferry.testing.ProjectionTestDatabase;
import dev.ferry.testing.ProjectionTests;
import dev.ferry.testing.ProjectionTests.Journal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The domains projection: the domains table, and routes of verified domains that follow production. */
class DomainProjectionTest extends ProjectionTestDatabase {

  private static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");
  private static final Initiator ALICE = Initiator.user("usr_alice");
  private static final Initiator WORKER = Initiator.system("domains");
  private static final AtomicInteger projects = new AtomicInteger();

  private static final ProjectionTests kit = ProjectionTests.start(DomainProjectionTest.class);
  private static final RouteTable routeTable = RouteTable.get(kit.system());

  private final Journal<Project.Event> events = new Journal<>("Project");
  private final int project = projects.incrementAndGet();
  private final String projectId = "prj_" + project;
  private final String domain = "shop" + project + ".example.com";

  @AfterAll
  static void shutdown() {
    kit.close();
  }

  @Test
  void aVerifiedDomainRoutesToProductionAndFollowsIt() throws Exception {
    events.append(projectId, new Project.DomainAdded(domain, "tok", false, ALICE, T0));
    events.append(projectId, new Project.DomainVerified(domain, "dpl_1", WORKER, T0.plusSeconds(5)));
    run(() -> {
      Map<String, Object> row = row(database, "SELECT * FROM domains WHERE name = ?", domain);
      assertEquals("verified", row.get("verification"));
      assertEquals("pending", row.get("certificate_status"));
      assertEquals("dpl_1", row.get("production_deployment_id"));
      assertEquals("domain", row(database, "SELECT kind FROM routes WHERE host = ?", domain).get("kind"));
      assertEquals(Optional.of("dpl_1"), routeTable.deploymentFor(domain));
    });

    events.append(projectId, new Project.ProductionPromoted("shop", "dpl_2", 2, "dpl_1",
        Project.PromotionReason.ROLLBACK, ALICE, T0.plusSeconds(10)));
    run(() -> assertEquals(Optional.of("dpl_2"), routeTable.deploymentFor(domain)));
    assertEquals(List.of("dpl_2"), column(database, "SELECT deployment_id FROM routes WHERE host = ?", domain));
  }

  @Test
  void aPendingDomainDoesNotRouteUntilVerifiedAndThenOnlyOnceThereIsProduction() throws Exception {
    events.append(projectId, new Project.DomainAdded(domain, "tok", false, ALICE, T0));
    events.append(projectId, new Project.ProductionPromoted("shop", "dpl_1", 1, null,
        Project.PromotionReason.AUTO, ALICE, T0.plusSeconds(1)));
    run(() -> assertEquals("pending", row(database, "SELECT verification FROM domains WHERE name = ?", domain)
        .get("verification")));
    assertEquals(List.of(), column(database, "SELECT host FROM routes"));
    assertEquals(Optional.empty(), routeTable.deploymentFor(domain));

    String later = "later" + project + ".example.com";
    events.append(projectId, new Project.DomainAdded(later, "tok", false, ALICE, T0));
    events.append(projectId, new Project.DomainVerified(later, null, WORKER, T0.plusSeconds(2)));
    run(() -> assertEquals("verified", row(database, "SELECT verification FROM domains WHERE name = ?", later)
        .get("verification")));
    assertEquals(Optional.empty(), routeTable.deploymentFor(later));
    events.append(projectId, new Project.ProductionPromoted("shop", "dpl_3", 3, null,
        Project.PromotionReason.AUTO, ALICE, T0.plusSeconds(3)));
    run(() -> assertEquals(Optional.of("dpl_3"), routeTable.deploymentFor(later)));
  }

  @Test
  void certificatesBumpTheVersionEdgesReloadBy() throws Exception {
    Instant expires = T0.plusSeconds(90 * 86400);
    events.append(projectId, new Project.DomainAdded(domain, "tok", false, ALICE, T0));
    events.append(projectId, new Project.DomainVerified(domain, "dpl_1", WORKER, T0));
    events.append(projectId, new Project.CertificateFailed(domain, "CA down", 1, WORKER, T0));
    run(() -> assertEquals("failed", row(database, "SELECT certificate_status FROM domains WHERE name = ?", domain)
        .get("certificate_status")));
    events.append(projectId, new Project.CertificateIssued(domain, "sealed", expires, WORKER, T0));
    events.append(projectId, new Project.CertificateRenewed(domain, "sealed2", expires.plusSeconds(60), WORKER, T0));
    run(() -> {
      Map<String, Object> row = row(database, "SELECT * FROM domains WHERE name = ?", domain);
      assertEquals("active", row.get("certificate_status"));
      assertEquals(2L, ((Number) row.get("certificate_version")).longValue());
      assertEquals(expires.plusSeconds(60), ProjectionTests.instant(row.get("certificate_expires_at")));
    });
  }

  @Test
  void removingTheDomainOrTheProjectRemovesItsRoute() throws Exception {
    String second = "second" + project + ".example.com";
    for (String name : List.of(domain, second)) {
      events.append(projectId, new Project.DomainAdded(name, "tok", false, ALICE, T0));
      events.append(projectId, new Project.DomainVerified(name, "dpl_1", WORKER, T0));
    }
    events.append(projectId, new Project.DomainRemoved(domain, ALICE, T0.plusSeconds(1)));
    run(() -> assertEquals(Optional.empty(), routeTable.deploymentFor(domain)));
    assertEquals(List.of(second), column(database, "SELECT name FROM domains"));
    assertEquals(Optional.of("dpl_1"), routeTable.deploymentFor(second));

    events.append(projectId, new Project.ProjectDeleted("shop", ALICE, T0.plusSeconds(2)));
    run(() -> assertEquals(Optional.empty(), routeTable.deploymentFor(second)));
    assertEquals(List.of(), column(database, "SELECT name FROM domains"));
    assertEquals(List.of(), column(database, "SELECT host FROM routes"));
  }

  private void run(org.apache.pekko.japi.function.Effect assertion) {
    kit.runExactlyOnce("domains", events, database, () -> new DomainProjectionHandler(routeTable), assertion);
  }
}
