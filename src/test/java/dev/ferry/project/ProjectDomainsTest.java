package dev.ferry.project;

import static dev.ferry.testing.EntityTests.assertNoEvents;
import static dev.ferry.testing.EntityTests.rejectionStatus;
import static dev.ferry.testing.EntityTests.successValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.common.Initiator;
import dev.ferry.project.Project.Command;
import dev.ferry.project.Project.Event;
import dev.ferry.project.Project.State;
import dev.ferry.secrets.MasterKeyring;
import dev.ferry.secrets.SecretBox;
import dev.ferry.testing.EntityTests;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.function.Function;
import java.time.temporal.ChronoUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Custom domains on the Project entity: every command, its events, rejections and recovery (CBOR checked). */
class ProjectDomainsTest {

  private static final String PROJECT_ID = "prj_domains";
  private static final Initiator USER = Initiator.user("usr_alice");
  private static final Initiator WORKER = Initiator.system("domains");
  private static final String DOMAIN = "www.example.com";
  private static final Instant EXPIRES = Instant.now().plus(90, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);

  private static final ActorTestKit actorTestKit = EntityTests.actorTestKit(ProjectDomainsTest.class);
  private static final EventSourcedBehaviorTestKit<Command, Event, State> testKit =
      EntityTests.eventSourcedTestKit(actorTestKit, Project.create(PROJECT_ID));

  @AfterAll
  static void shutdown() {
    actorTestKit.shutdownTestKit();
  }

  @BeforeEach
  void createProject() {
    testKit.clear();
    byte[] master = new byte[MasterKeyring.KEY_BYTES];
    new SecureRandom().nextBytes(master);
    successValue(testKit.<StatusReply<State>>runCommand(replyTo -> new Project.Create("shop", "usr_alice", null,
        new SecretBox(MasterKeyring.of(master)).newDataKey(), USER, replyTo)));
  }

  @Test
  void aDomainIsAddedVerifiedCertifiedRenewedAndRemoved() {
    var added = testKit.runCommand(addDomain(DOMAIN, "tok", false, USER));
    assertEquals(DOMAIN, added.eventOfType(Project.DomainAdded.class).name());
    Domain domain = successValue(added);
    assertEquals("pending", domain.verification());
    assertEquals("pending", domain.certificateStatus());
    assertEquals("tok", domain.token());

    successValue(testKit.runCommand(autoPromote("dep1", 1, WORKER)));
    var verified = testKit.runCommand(verifyDomain(DOMAIN, WORKER));
    assertEquals("dep1", verified.eventOfType(Project.DomainVerified.class).productionDeploymentId());
    assertTrue(successValue(verified).verified());
    assertNoEvents(testKit.runCommand(verifyDomain(DOMAIN, USER)));

    var failed = testKit.runCommand(failCertificate(DOMAIN, "CA down", WORKER));
    assertEquals(1, failed.eventOfType(Project.CertificateFailed.class).failures());
    assertEquals("failed", successValue(failed).certificateStatus());
    assertEquals(2, successValue(testKit.runCommand(failCertificate(DOMAIN, "still down",
        WORKER))).certificateFailures());

    var issued = testKit.runCommand(recordCertificate(DOMAIN, "sealed-1", EXPIRES, WORKER));
    assertEquals("sealed-1", issued.eventOfType(Project.CertificateIssued.class).sealedCertificate());
    Domain active = successValue(issued);
    assertEquals("active", active.certificateStatus());
    assertEquals(0, active.certificateFailures());
    assertNull(active.certificateReason());
    assertEquals(EXPIRES, active.certificateExpiresAt());

    var renewed = testKit.runCommand(recordCertificate(DOMAIN, "sealed-2",
        EXPIRES.plusSeconds(60), WORKER));
    assertEquals("sealed-2", renewed.eventOfType(Project.CertificateRenewed.class).sealedCertificate());

    // A failed renewal keeps the certificate that still serves.
    Domain renewalFailed = successValue(testKit.runCommand(failCertificate(DOMAIN,
        "rate limited", WORKER)));
    assertEquals("failed", renewalFailed.certificateStatus());
    assertEquals("sealed-2", renewalFailed.sealedCertificate());

    State before = testKit.getState();
    assertEquals(before, testKit.restart().state());

    var removed = testKit.runCommand(removeDomain(DOMAIN, USER));
    removed.eventOfType(Project.DomainRemoved.class);
    assertTrue(testKit.getState().domains().domain(DOMAIN).isEmpty());
    assertEquals(404, rejectionStatus(testKit.runCommand(removeDomain(DOMAIN, USER))));
  }

  @Test
  void addingTheSameDomainTwiceIsAConflict() {
    successValue(testKit.runCommand(addDomain(DOMAIN, "tok", false, USER)));
    assertEquals(409, rejectionStatus(testKit.runCommand(addDomain(DOMAIN, "other", false,
        USER))));
  }

  @Test
  void aProjectHasAtMostFiftyDomains() {
    for (int i = 0; i < ProjectDomains.MAX_DOMAINS; i++) {
      String name = "d" + i + ".example.com";
      successValue(testKit.runCommand(addDomain(name, "t", false, USER)));
    }
    assertEquals(422, rejectionStatus(testKit.runCommand(addDomain("one-more.example.com",
        "t", false, USER))));
  }

  @Test
  void anUnverifiedDomainGetsNoCertificateAndGivingUpIsAState() {
    successValue(testKit.runCommand(addDomain(DOMAIN, "tok", false, USER)));
    assertEquals(409, rejectionStatus(testKit.runCommand(recordCertificate(DOMAIN, "s",
        EXPIRES, WORKER))));

    Domain gaveUp = successValue(testKit.runCommand(failVerification(DOMAIN,
        "no TXT record after 7d", WORKER)));
    assertEquals("failed", gaveUp.verification());
    assertEquals("no TXT record after 7d", gaveUp.verificationReason());
    assertNoEvents(testKit.runCommand(failVerification(DOMAIN, "again", WORKER)));

    // A later check that finds the record still verifies it.
    Domain verified = successValue(testKit.runCommand(verifyDomain(DOMAIN, USER)));
    assertTrue(verified.verified());
    assertNull(verified.verificationReason());
    assertNull(testKit.getState().domains().domain(DOMAIN).orElseThrow().sealedCertificate());
  }

  @Test
  void theFirstAccountKeyStays() {
    var first = testKit.runCommand(accountKey("key-1", WORKER));
    assertEquals("key-1", successValue(first));
    var second = testKit.runCommand(accountKey("key-2", WORKER));
    assertNoEvents(second);
    assertEquals("key-1", successValue(second));
  }

  @Test
  void aDeletedProjectHasNoDomains() {
    successValue(testKit.runCommand(delete(USER)));
    assertEquals(404, rejectionStatus(testKit.runCommand(addDomain(DOMAIN, "t", false, USER))));
    assertFalse(testKit.getState().domains().domain(DOMAIN).isPresent());
  }

  private static Function<ActorRef<StatusReply<Domain>>, Command> addDomain(String name, String token, boolean apex,
      Initiator initiator) {
    return replyTo -> new Project.AddDomain(name, token, apex, initiator, replyTo);
  }

  private static Function<ActorRef<StatusReply<Domain>>, Command> verifyDomain(String name, Initiator initiator) {
    return replyTo -> new Project.VerifyDomain(name, initiator, replyTo);
  }

  private static Function<ActorRef<StatusReply<Domain>>, Command> failVerification(String name, String reason,
      Initiator initiator) {
    return replyTo -> new Project.FailDomainVerification(name, reason, initiator, replyTo);
  }

  private static Function<ActorRef<StatusReply<Domain>>, Command> recordCertificate(String name, String sealed,
      Instant expiresAt, Initiator initiator) {
    return replyTo -> new Project.RecordCertificate(name, sealed, expiresAt, initiator, replyTo);
  }

  private static Function<ActorRef<StatusReply<Domain>>, Command> failCertificate(String name, String reason,
      Initiator initiator) {
    return replyTo -> new Project.FailCertificate(name, reason, initiator, replyTo);
  }

  private static Function<ActorRef<StatusReply<Done>>, Command> removeDomain(String name, Initiator initiator) {
    return replyTo -> new Project.RemoveDomain(name, initiator, replyTo);
  }

  private static Function<ActorRef<StatusReply<String>>, Command> accountKey(String sealed, Initiator initiator) {
    return replyTo -> new Project.SetAcmeAccountKey(sealed, initiator, replyTo);
  }

  private static Function<ActorRef<StatusReply<Done>>, Command> autoPromote(String deploymentId, long number,
      Initiator initiator) {
    return replyTo -> new Project.AutoPromote(deploymentId, number, initiator, replyTo);
  }

  private static Function<ActorRef<StatusReply<Done>>, Command> delete(Initiator initiator) {
    return replyTo -> new Project.Delete(initiator, replyTo);
  }
}
