package dev.ferry.domains;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.common.Initiator;
import dev.ferry.db.Database;
import dev.ferry.db.Sql;
import dev.ferry.project.Domain;
import dev.ferry.project.Project;
import dev.ferry.secrets.MasterKeyring;
import dev.ferry.secrets.SecretBox;
import dev.ferry.testing.Pebble;
import dev.ferry.testing.ProjectionTests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The domain worker's rounds against real parts: Project entities in a cluster, the domains table in H2, DNS from
 * pebble-challtestsrv, and an ACME directory that nothing listens on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DomainWorkerTest {

  private static final Initiator USER = Initiator.user("usr_alice");
  private static final Duration FIRST_CHECK_WAIT = Duration.ofMinutes(3);
  private static final Duration ORDER_RETRY_WAIT = Duration.ofMinutes(7);

  private final ProjectionTests kit = ProjectionTests.start(DomainWorkerTest.class);
  private Path dir;
  private Pebble dns;
  private Database database;
  private SecretBox secrets;
  private DomainWorker worker;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("domain-worker");
    dns = Pebble.startDns(dir);
    Project.init(kit.system());
    database = ProjectionTests.database(dir);
    byte[] master = new byte[MasterKeyring.KEY_BYTES];
    new SecureRandom().nextBytes(master);
    secrets = new SecretBox(MasterKeyring.of(master));
    DomainSettings settings = new DomainSettings("https://127.0.0.1:" + Pebble.freePort() + "/dir", "", "",
        Duration.ofSeconds(10), Duration.ZERO, Duration.ofDays(30), List.of(ORDER_RETRY_WAIT), dns.dnsAddress(),
        Duration.ofSeconds(3), "cname.example.net", List.of(), List.of(FIRST_CHECK_WAIT, Duration.ofHours(1)),
        Duration.ofDays(7), Duration.ofSeconds(1));
    DomainVerifier verifier = new DomainVerifier(kit.system(), database.dataSource(),
        new DnsChecker(settings.dnsResolver(), settings.dnsTimeout()), settings);
    worker = new DomainWorker(kit.system(), database.dataSource(), settings, verifier,
        new AcmeIssuer(settings, new AcmeChallenges(kit.system())), secrets);
  }

  @AfterAll
  void stop() throws Exception {
    if (dns != null) {
      dns.close();
    }
    if (database != null) {
      database.close();
    }
    kit.close();
  }

  @Test
  void pendingDomainsAreCheckedOnTheirScheduleVerifiedOrGivenUp() throws Exception {
    String projectId = project("prj_checks");
    addDomain(projectId, "wrong.example.com", "tok-w", Instant.now());
    addDomain(projectId, "old.example.com", "tok-o", Instant.now().minus(Duration.ofDays(8)));
    dns.setTxt("_ferry-challenge.wrong.example.com", "someone-elses");

    Instant before = Instant.now();
    worker.runOnce();

    Map<String, Object> wrong = row("wrong.example.com");
    assertEquals(1, ((Number) wrong.get("check_failures")).intValue());
    assertTrue(wrong.get("last_check_result").toString().contains("someone-elses"), wrong.toString());
    Instant next = ProjectionTests.instant(wrong.get("next_check_at"));
    assertTrue(!next.isBefore(before.plus(FIRST_CHECK_WAIT)) && next.isBefore(Instant.now().plus(FIRST_CHECK_WAIT)),
        next.toString());
    assertEquals("pending", domain(projectId, "wrong.example.com").verification());

    Domain old = domain(projectId, "old.example.com");
    assertEquals("failed", old.verification());
    assertTrue(old.verificationReason().startsWith("Gave up after"), old.verificationReason());

    // Not due again yet: nothing changes.
    worker.runOnce();
    assertEquals(1, ((Number) row("wrong.example.com").get("check_failures")).intValue());

    // Due, with the right value: verified.
    dns.setTxt("_ferry-challenge.wrong.example.com", "tok-w");
    Sql.update(database.dataSource(), "UPDATE domains SET next_check_at = ? WHERE name = ?",
        Instant.now().minusSeconds(1), "wrong.example.com");
    worker.runOnce();
    assertTrue(domain(projectId, "wrong.example.com").verified());
  }

  @Test
  void anUnreachableCaFailsTheCertificateVisiblyAndSchedulesARetry() throws Exception {
    String projectId = project("prj_orders");
    addDomain(projectId, "shop.example.com", "tok", Instant.now());
    ask(projectId, (ActorRef<StatusReply<Domain>> replyTo) -> new Project.VerifyDomain("shop.example.com", USER,
        replyTo));
    Sql.update(database.dataSource(), "UPDATE domains SET verification = 'verified' WHERE name = ?",
        "shop.example.com");

    Instant before = Instant.now();
    worker.runOnce();

    Domain failed = domain(projectId, "shop.example.com");
    assertEquals("failed", failed.certificateStatus());
    assertEquals(1, failed.certificateFailures());
    assertFalse(failed.certificateReason().isBlank());
    Instant retry = ProjectionTests.instant(row("shop.example.com").get("next_order_at"));
    assertFalse(retry.isBefore(before.plus(ORDER_RETRY_WAIT)), retry.toString());
    Project.State project = ask(projectId, Project.Get::new);
    assertNotNull(project.domains().sealedAccountKey());
    assertFalse(project.domains().sealedAccountKey().contains("PRIVATE KEY"));

    worker.runOnce(); // not due again yet
    assertEquals(1, domain(projectId, "shop.example.com").certificateFailures());
  }

  private String project(String id) throws Exception {
    ask(id, (ActorRef<StatusReply<Project.State>> replyTo) -> new Project.Create(id.substring(4), "usr_alice", null,
        secrets.newDataKey(), USER, replyTo));
    return id;
  }

  private void addDomain(String projectId, String name, String token, Instant createdAt) throws Exception {
    ask(projectId, (ActorRef<StatusReply<Domain>> replyTo) -> new Project.AddDomain(name, token, false, USER,
        replyTo));
    // What the domains projection writes for DomainAdded (created_at moved back for the give-up case).
    Sql.update(database.dataSource(), "INSERT INTO domains (name, project_id, token, verification, "
            + "certificate_status, created_at, next_check_at) VALUES (?, ?, ?, 'pending', 'pending', ?, ?)", name,
        projectId, token, createdAt, Instant.now().minusSeconds(1));
  }

  private Map<String, Object> row(String name) throws Exception {
    return ProjectionTests.row(database, "SELECT * FROM domains WHERE name = ?", name);
  }

  private Domain domain(String projectId, String name) throws Exception {
    return ask(projectId, Project.Get::new).domains().domain(name).orElseThrow();
  }

  private <T> T ask(String projectId, Function<ActorRef<StatusReply<T>>, Project.Command> command) throws Exception {
    return ClusterSharding.get(kit.system()).entityRefFor(Project.ENTITY_KEY, projectId)
        .askWithStatus(command::apply, Duration.ofSeconds(10)).toCompletableFuture().get(15, TimeUnit.SECONDS);
  }
}
