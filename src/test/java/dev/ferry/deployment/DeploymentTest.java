package dev.ferry.deployment;

import static dev.ferry.testing.EntityTests.assertNoEvents;
import static dev.ferry.testing.EntityTests.assertRejected;
import static dev.ferry.testing.EntityTests.rejectionStatus;
import static dev.ferry.testing.EntityTests.successValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.common.Initiator;
import dev.ferry.deployment.Deployment.BuildStarted;
import dev.ferry.deployment.Deployment.Cancel;
import dev.ferry.deployment.Deployment.Command;
import dev.ferry.deployment.Deployment.Create;
import dev.ferry.deployment.Deployment.DeploymentCanceled;
import dev.ferry.deployment.Deployment.DeploymentFailed;
import dev.ferry.deployment.Deployment.DeploymentQueued;
import dev.ferry.deployment.Deployment.DeploymentReady;
import dev.ferry.deployment.Deployment.Event;
import dev.ferry.deployment.Deployment.Get;
import dev.ferry.deployment.Deployment.LeaseRenewed;
import dev.ferry.deployment.Deployment.MarkFailed;
import dev.ferry.deployment.Deployment.MarkReady;
import dev.ferry.deployment.Deployment.PublishingStarted;
import dev.ferry.deployment.Deployment.RecordSource;
import dev.ferry.deployment.Deployment.RenewLease;
import dev.ferry.deployment.Deployment.Source;
import dev.ferry.deployment.Deployment.SourceResolved;
import dev.ferry.deployment.Deployment.StartBuild;
import dev.ferry.deployment.Deployment.StartPublishing;
import dev.ferry.deployment.Deployment.Supersede;
import dev.ferry.deployment.Deployment.State;
import dev.ferry.deployment.Deployment.Status;
import dev.ferry.project.ProjectSettings;
import dev.ferry.testing.EntityTests;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DeploymentTest {

  private static final String DEPLOYMENT_ID = "k3m9x2p7qa";
  private static final String PROJECT_ID = "prj_test";
  private static final String PROJECT_NAME = "my-app";
  private static final long NUMBER = 7;
  private static final Source SOURCE = Source.git("main");
  private static final ProjectSettings SETTINGS = new ProjectSettings("https://github.com/acme/my-app.git",
      ProjectSettings.DEFAULT_BRANCH, null, null, null, "npm run build", "dist");
  private static final Initiator INITIATOR = Initiator.user("usr_alice");
  private static final String WORKER = "node-a/build-1";
  private static final String OTHER_WORKER = "node-b/build-2";
  private static final int MAX_ATTEMPTS = 3;

  private static final ActorTestKit actorTestKit = EntityTests.actorTestKit(DeploymentTest.class);
  private static final EventSourcedBehaviorTestKit<Command, Event, State> testKit =
      EntityTests.eventSourcedTestKit(actorTestKit, Deployment.create(DEPLOYMENT_ID));

  /** The commands only the worker holding the build lease may send. */
  enum WorkerCommand { RENEW_LEASE, RECORD_SOURCE, START_PUBLISHING, MARK_READY, MARK_FAILED }

  @AfterAll
  static void shutdown() {
    actorTestKit.shutdownTestKit();
  }

  @BeforeEach
  void clear() {
    testKit.clear();
  }

  @Nested
  class WhenNew {

    @Test
    void createPersistsDeploymentQueued() {
      var result = testKit.runCommand(create());

      DeploymentQueued event = result.eventOfType(DeploymentQueued.class);
      assertEquals(new DeploymentQueued(DEPLOYMENT_ID, PROJECT_ID, PROJECT_NAME, NUMBER, Deployment.PRODUCTION,
          SOURCE, SETTINGS, INITIATOR, event.at()), event);
      State state = successValue(result);
      assertEquals(result.state(), state);
      assertEquals(new State(DEPLOYMENT_ID, Status.QUEUED, PROJECT_ID, PROJECT_NAME, NUMBER, Deployment.PRODUCTION,
          SOURCE, SETTINGS, INITIATOR, null, null, 0, null, null, event.at(), null, null, null), state);
    }

    @Test
    void createWithUploadedFilesKeepsTheFileListDigestThroughSerialization() {
      Source files = Source.files("ab".repeat(32), true);
      Function<ActorRef<StatusReply<State>>, Command> create = replyTo -> new Create(PROJECT_ID, PROJECT_NAME,
          NUMBER, Deployment.PREVIEW, files, SETTINGS, INITIATOR, replyTo);
      var result = testKit.runCommand(create);

      assertEquals(files, result.eventOfType(DeploymentQueued.class).source());
      assertEquals(files, successValue(result).source());
      assertTrue(successValue(result).source().uploaded());
    }

    @Test
    void getIsNotFound() {
      assertRejected(testKit.runCommand(Get::new), 404);
    }

    @Test
    void startBuildIsNotFound() {
      assertRejected(testKit.runCommand(startBuild(WORKER, validLease())), 404);
    }

    @Test
    void cancelIsNotFound() {
      assertRejected(testKit.runCommand(cancel()), 404);
    }

    @ParameterizedTest
    @EnumSource(WorkerCommand.class)
    void workerCommandsAreConflict(WorkerCommand command) {
      assertRejected(send(command, WORKER), 409);
    }
  }

  @Nested
  class WhenQueued {

    @BeforeEach
    void queue() {
      queued();
    }

    @Test
    void startBuildGrantsTheFirstAttemptAndTheLease() {
      Instant lease = validLease();

      var result = testKit.runCommand(startBuild(WORKER, lease));

      BuildStarted event = result.eventOfType(BuildStarted.class);
      assertEquals(new BuildStarted(WORKER, lease, 1, event.at()), event);
      State state = successValue(result);
      assertEquals(Status.BUILDING, state.status());
      assertEquals(WORKER, state.worker());
      assertEquals(lease, state.leaseUntil());
      assertEquals(1, state.attempts());
      assertEquals(event.at(), state.buildingAt());
    }

    @Test
    void cancelPersistsDeploymentCanceled() {
      assertCanceled(testKit.runCommand(cancel()));
    }

    @ParameterizedTest
    @EnumSource(WorkerCommand.class)
    void workerCommandsAreConflict(WorkerCommand command) {
      assertRejected(send(command, WORKER), 409);
    }

    @Test
    void createAgainIsConflict() {
      assertRejected(testKit.runCommand(create()), 409);
    }

    @Test
    void getAnswersTheDeployment() {
      assertAnswersTheDeployment(Status.QUEUED);
    }
  }

  @Nested
  class WhenBuilding {

    private Instant lease;

    @BeforeEach
    void startBuilding() {
      lease = validLease();
      queued();
      successValue(testKit.runCommand(startBuild(WORKER, lease)));
    }

    @Test
    void startBuildWhileTheLeaseIsValidIsConflict() {
      assertRejected(testKit.runCommand(startBuild(OTHER_WORKER, validLease())), 409);
      assertRejected(testKit.runCommand(startBuild(WORKER, validLease())), 409);
      assertEquals(WORKER, testKit.getState().worker());
    }

    @Test
    void renewLeaseByTheHolderPersistsLeaseRenewed() {
      Instant renewed = lease.plus(Duration.ofMinutes(1));

      var result = testKit.runCommand(renewLease(WORKER, renewed));

      successValue(result);
      LeaseRenewed event = result.eventOfType(LeaseRenewed.class);
      assertEquals(new LeaseRenewed(renewed, event.at()), event);
      assertEquals(renewed, result.state().leaseUntil());
    }

    @Test
    void recordSourceResolvesTheCommit() {
      var result = testKit.runCommand(recordSource(WORKER));

      successValue(result);
      SourceResolved event = result.eventOfType(SourceResolved.class);
      assertEquals(new SourceResolved("0123abcd", "Fix the header", "Alice <alice@example.com>", event.at()),
          event);
      assertEquals(new Source("git", "main", "0123abcd", "Fix the header", "Alice <alice@example.com>", null),
          result.state().source());
    }

    @Test
    void startPublishingMovesToDeploying() {
      var result = testKit.runCommand(startPublishing(WORKER));

      successValue(result);
      result.eventOfType(PublishingStarted.class);
      assertEquals(Status.DEPLOYING, result.state().status());
      assertEquals(WORKER, result.state().worker());
      assertEquals(lease, result.state().leaseUntil());
    }

    @Test
    void markReadyPersistsDeploymentReady() {
      assertReady(testKit.runCommand(markReady(WORKER)));
    }

    @Test
    void markFailedPersistsDeploymentFailed() {
      var result = testKit.runCommand(markFailed(WORKER));

      DeploymentFailed event = result.eventOfType(DeploymentFailed.class);
      assertEquals(new DeploymentFailed(PROJECT_ID, "npm run build exited with 1", event.at()), event);
      State state = successValue(result);
      assertEquals(Status.ERROR, state.status());
      assertEquals("npm run build exited with 1", state.errorMessage());
      assertEquals(event.at(), state.finishedAt());
      assertLeaseReleased(state);
    }

    @Test
    void cancelPersistsDeploymentCanceled() {
      assertCanceled(testKit.runCommand(cancel()));
    }

    @ParameterizedTest
    @EnumSource(WorkerCommand.class)
    void workerCommandsFromAnotherWorkerAreConflict(WorkerCommand command) {
      assertRejected(send(command, OTHER_WORKER), 409);
    }

    @Test
    void createAgainIsConflict() {
      assertRejected(testKit.runCommand(create()), 409);
    }

    @Test
    void getAnswersTheDeployment() {
      assertAnswersTheDeployment(Status.BUILDING);
    }

    @Test
    void restartRecoversTheSameState() {
      successValue(testKit.runCommand(recordSource(WORKER)));
      successValue(testKit.runCommand(renewLease(WORKER, validLease())));
      State before = testKit.getState();

      assertEquals(before, testKit.restart().state());
    }
  }

  @Nested
  class WhenDeploying {

    @BeforeEach
    void startDeploying() {
      queued();
      successValue(testKit.runCommand(startBuild(WORKER, validLease())));
      successValue(testKit.runCommand(startPublishing(WORKER)));
    }

    @Test
    void startBuildWhileTheLeaseIsValidIsConflict() {
      assertRejected(testKit.runCommand(startBuild(OTHER_WORKER, validLease())), 409);
    }

    @Test
    void renewLeaseByTheHolderPersistsLeaseRenewed() {
      Instant renewed = validLease().plus(Duration.ofMinutes(5));

      var result = testKit.runCommand(renewLease(WORKER, renewed));

      successValue(result);
      assertEquals(renewed, result.eventOfType(LeaseRenewed.class).leaseUntil());
      assertEquals(Status.DEPLOYING, result.state().status());
    }

    @Test
    void markReadyPersistsDeploymentReady() {
      assertReady(testKit.runCommand(markReady(WORKER)));
    }

    @Test
    void cancelPersistsDeploymentCanceled() {
      assertCanceled(testKit.runCommand(cancel()));
    }

    @ParameterizedTest
    @EnumSource(WorkerCommand.class)
    void workerCommandsFromAnotherWorkerAreConflict(WorkerCommand command) {
      assertRejected(send(command, OTHER_WORKER), 409);
    }
  }

  @Nested
  class WhenTheLeaseRanOut {

    private State firstAttempt;

    @BeforeEach
    void startBuildingWithAnExpiredLease() {
      queued();
      firstAttempt = successValue(testKit.runCommand(startBuild(WORKER, expiredLease())));
    }

    @Test
    void anotherWorkerTakesTheBuildOver() {
      Instant lease = validLease();

      var result = testKit.runCommand(startBuild(OTHER_WORKER, lease));

      BuildStarted event = result.eventOfType(BuildStarted.class);
      assertEquals(new BuildStarted(OTHER_WORKER, lease, 2, event.at()), event);
      State state = successValue(result);
      assertEquals(Status.BUILDING, state.status());
      assertEquals(OTHER_WORKER, state.worker());
      assertEquals(lease, state.leaseUntil());
      assertEquals(2, state.attempts());
      assertEquals(firstAttempt.buildingAt(), state.buildingAt());
    }

    @Test
    void theFormerHolderIsLockedOutAfterATakeover() {
      successValue(testKit.runCommand(startBuild(OTHER_WORKER, validLease())));

      for (WorkerCommand command : WorkerCommand.values()) {
        assertRejected(send(command, WORKER), 409);
      }
    }

    @Test
    void aTakeoverDuringPublishingRestartsTheBuild() {
      successValue(testKit.runCommand(startPublishing(WORKER)));

      State state = successValue(testKit.runCommand(startBuild(OTHER_WORKER, validLease())));

      assertEquals(Status.BUILDING, state.status());
      assertEquals(OTHER_WORKER, state.worker());
      assertEquals(2, state.attempts());
    }

    @Test
    void renewingTheLeaseKeepsTheBuild() {
      successValue(testKit.runCommand(renewLease(WORKER, validLease())));

      assertRejected(testKit.runCommand(startBuild(OTHER_WORKER, validLease())), 409);
    }

    @Test
    void theBuildFailsOnceMaxAttemptsAreUsedUp() {
      successValue(testKit.runCommand(startBuild(OTHER_WORKER, expiredLease())));
      successValue(testKit.runCommand(startBuild(WORKER, expiredLease())));
      assertEquals(MAX_ATTEMPTS, testKit.getState().attempts());

      var result = testKit.runCommand(startBuild(OTHER_WORKER, validLease()));

      assertEquals(409, rejectionStatus(result));
      DeploymentFailed event = result.eventOfType(DeploymentFailed.class);
      assertEquals(PROJECT_ID, event.projectId());
      assertTrue(event.message().contains("lost " + MAX_ATTEMPTS + " times"), event.message());
      State state = result.state();
      assertEquals(Status.ERROR, state.status());
      assertEquals(event.message(), state.errorMessage());
      assertEquals(MAX_ATTEMPTS, state.attempts());
      assertEquals(event.at(), state.finishedAt());
      assertLeaseReleased(state);
    }

    @Test
    void maxAttemptsIsTheTakingWorkersLimit() {
      var result = testKit.runCommand(startBuild(OTHER_WORKER, validLease(), 1));

      assertEquals(409, rejectionStatus(result));
      result.eventOfType(DeploymentFailed.class);
      assertEquals(Status.ERROR, result.state().status());
    }
  }

  @Nested
  class WhenFinished {

    @ParameterizedTest
    @EnumSource(value = Status.class, names = {"READY", "ERROR", "CANCELED"})
    void startBuildIsConflict(Status status) {
      finished(status);

      assertRejected(testKit.runCommand(startBuild(WORKER, validLease())), 409);
      assertRejected(testKit.runCommand(startBuild(OTHER_WORKER, validLease())), 409);
    }

    @ParameterizedTest
    @EnumSource(value = Status.class, names = {"READY", "ERROR", "CANCELED"})
    void cancelIsConflict(Status status) {
      finished(status);

      assertRejected(testKit.runCommand(cancel()), 409);
    }

    @ParameterizedTest
    @EnumSource(value = Status.class, names = {"READY", "ERROR", "CANCELED"})
    void workerCommandsAreConflict(Status status) {
      finished(status);

      for (WorkerCommand command : WorkerCommand.values()) {
        assertRejected(send(command, WORKER), 409);
        assertRejected(send(command, OTHER_WORKER), 409);
      }
    }

    @ParameterizedTest
    @EnumSource(value = Status.class, names = {"READY", "ERROR", "CANCELED"})
    void createAgainIsConflict(Status status) {
      finished(status);

      assertRejected(testKit.runCommand(create()), 409);
    }

    @ParameterizedTest
    @EnumSource(value = Status.class, names = {"READY", "ERROR", "CANCELED"})
    void getAnswersTheDeployment(Status status) {
      finished(status);

      assertAnswersTheDeployment(status);
    }

    @ParameterizedTest
    @EnumSource(value = Status.class, names = {"READY", "ERROR", "CANCELED"})
    void restartRecoversTheSameState(Status status) {
      State before = finished(status);

      assertEquals(before, testKit.restart().state());
    }
  }

  /** Retention takes READY deployments out of serving; the event names the rule and who applied it. */
  @Nested
  class WhenExpired {

    private static final Initiator RETENTION = Initiator.system("retention");

    private Function<ActorRef<StatusReply<State>>, Command> expire() {
      return replyTo -> new Deployment.Expire("preview older than 30 days", RETENTION, replyTo);
    }

    @Test
    void aReadyDeploymentExpiresOnceAndStaysExpiredAfterARestart() {
      finished(Status.READY);

      var result = testKit.runCommand(expire());

      Deployment.DeploymentExpired event = result.eventOfType(Deployment.DeploymentExpired.class);
      assertEquals(new Deployment.DeploymentExpired(PROJECT_ID, "preview older than 30 days", RETENTION, event.at()),
          event);
      assertEquals(Status.EXPIRED, successValue(result).status());
      assertTrue(Status.EXPIRED.isFinished());
      var again = testKit.runCommand(expire());
      assertNoEvents(again);
      assertEquals(Status.EXPIRED, successValue(again).status());
      assertEquals(Status.EXPIRED, testKit.restart().state().status());
      assertRejected(testKit.runCommand(cancel()), 409);
      assertRejected(testKit.runCommand(startBuild(WORKER, validLease())), 409);
    }

    @ParameterizedTest
    @EnumSource(value = Status.class, names = {"ERROR", "CANCELED"})
    void onlyReadyDeploymentsExpire(Status status) {
      finished(status);

      assertRejected(testKit.runCommand(expire()), 409);
    }

    @Test
    void queuedAndBuildingDeploymentsDoNotExpire() {
      queued();
      assertRejected(testKit.runCommand(expire()), 409);
      successValue(testKit.runCommand(startBuild(WORKER, validLease())));
      assertRejected(testKit.runCommand(expire()), 409);
      assertEquals(Status.BUILDING, testKit.getState().status());
    }

    @Test
    void anUnknownDeploymentIsNotFound() {
      assertRejected(testKit.runCommand(expire()), 404);
    }
  }

  /** A newer deployment of the same branch cancels this one only while it waits in the queue. */
  @Nested
  class WhenSuperseded {

    private static final String NEWER = "n3w3rd3pl0";

    @Test
    void aQueuedDeploymentIsCanceledAndSaysByWhich() {
      queued();

      var result = testKit.runCommand(supersede());

      DeploymentCanceled event = result.eventOfType(DeploymentCanceled.class);
      assertEquals(new DeploymentCanceled(PROJECT_ID, INITIATOR, NEWER, event.at()), event);
      assertEquals(true, successValue(result));
      assertEquals(Status.CANCELED, result.state().status());
      assertEquals(event.at(), result.state().finishedAt());
    }

    @Test
    void aBuildUnderWayGoesOn() {
      queued();
      successValue(testKit.runCommand(startBuild(WORKER, validLease())));

      var building = testKit.runCommand(supersede());
      assertEquals(false, successValue(building));
      assertNoEvents(building);
      successValue(testKit.runCommand(startPublishing(WORKER)));
      var deploying = testKit.runCommand(supersede());
      assertEquals(false, successValue(deploying));
      assertNoEvents(deploying);
      assertEquals(Status.DEPLOYING, testKit.getState().status());
    }

    @ParameterizedTest
    @EnumSource(value = Status.class, names = {"READY", "ERROR", "CANCELED"})
    void aFinishedDeploymentStaysAsItIs(Status status) {
      State before = finished(status);

      var result = testKit.runCommand(supersede());

      assertEquals(false, successValue(result));
      assertNoEvents(result);
      assertEquals(before, result.state());
    }

    @Test
    void anUnknownDeploymentIsNotFound() {
      assertRejected(testKit.runCommand(supersede()), 404);
    }

    private static Function<ActorRef<StatusReply<Boolean>>, Command> supersede() {
      return replyTo -> new Supersede(NEWER, INITIATOR, replyTo);
    }
  }

  /** A deployment of a branch carries the branch into DeploymentReady, for the branch alias. */
  @Nested
  class OfABranch {

    private final Source commit = Source.commit("feature/login", "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
        "Initial commit", "Codertocat <octocat@example.com>");

    @Test
    void theSourceKeepsTheBranchAndTheAnnouncedCommit() {
      State state = successValue(testKit.<StatusReply<State>>runCommand(replyTo -> new Create(PROJECT_ID,
          PROJECT_NAME, NUMBER, Deployment.PREVIEW, commit, SETTINGS, INITIATOR, replyTo)));

      assertEquals(commit, state.source());
      assertEquals("feature/login", state.source().branch());
      assertEquals("6113728f27ae82c7b1a177c8d03f9e96e0adf246", state.source().commitSha());
    }

    @Test
    void readyNamesTheBranch() {
      successValue(testKit.<StatusReply<State>>runCommand(replyTo -> new Create(PROJECT_ID, PROJECT_NAME, NUMBER,
          Deployment.PREVIEW, commit, SETTINGS, INITIATOR, replyTo)));
      successValue(testKit.runCommand(startBuild(WORKER, validLease())));

      var result = testKit.runCommand(markReady(WORKER));

      DeploymentReady event = result.eventOfType(DeploymentReady.class);
      assertEquals("feature/login", event.branch());
      assertEquals(Deployment.PREVIEW, event.target());
      assertEquals(commit.branch(), testKit.restart().state().source().branch());
    }

    @Test
    void theProductionBranchIsABranchToo() {
      assertEquals(new Source("git", "main", null, null, null, "main"), Source.branch("main"));
      assertNull(Source.git("v1.2.0").branch());
    }
  }

  // Set-up

  private static State queued() {
    return successValue(testKit.runCommand(create()));
  }

  /** Drives the deployment to a finished status the way it gets there in production. */
  private static State finished(Status status) {
    queued();
    if (status == Status.CANCELED) {
      return successValue(testKit.runCommand(cancel()));
    }
    successValue(testKit.runCommand(startBuild(WORKER, validLease())));
    State state = successValue(status == Status.READY
        ? testKit.runCommand(markReady(WORKER))
        : testKit.runCommand(markFailed(WORKER)));
    assertEquals(status, state.status());
    return state;
  }

  private static Instant validLease() {
    return Instant.now().plus(Duration.ofMinutes(1));
  }

  private static Instant expiredLease() {
    return Instant.now().minus(Duration.ofSeconds(1));
  }

  // Assertions

  private static void assertReady(CommandResultWithReply<Command, Event, State, StatusReply<State>> result) {
    DeploymentReady event = result.eventOfType(DeploymentReady.class);
    assertEquals(new DeploymentReady(PROJECT_ID, PROJECT_NAME, Deployment.PRODUCTION, NUMBER, "vite", 12, 3456,
        null, event.at()), event);
    State state = successValue(result);
    assertEquals(Status.READY, state.status());
    assertEquals("vite", state.framework());
    assertEquals(event.at(), state.readyAt());
    assertEquals(event.at(), state.finishedAt());
    assertNull(state.errorMessage());
    assertEquals(1, state.attempts());
    assertLeaseReleased(state);
  }

  private static void assertCanceled(CommandResultWithReply<Command, Event, State, StatusReply<State>> result) {
    DeploymentCanceled event = result.eventOfType(DeploymentCanceled.class);
    assertEquals(new DeploymentCanceled(PROJECT_ID, INITIATOR, null, event.at()), event);
    State state = successValue(result);
    assertEquals(Status.CANCELED, state.status());
    assertEquals(event.at(), state.finishedAt());
    assertNull(state.readyAt());
    assertLeaseReleased(state);
  }

  private static void assertLeaseReleased(State state) {
    assertNull(state.worker());
    assertNull(state.leaseUntil());
  }

  private static void assertAnswersTheDeployment(Status status) {
    State state = testKit.getState();
    var result = testKit.runCommand(Get::new);

    assertEquals(state, successValue(result));
    assertEquals(status, state.status());
    assertNoEvents(result);
  }

  // Commands

  private static Function<ActorRef<StatusReply<State>>, Command> create() {
    return replyTo -> new Create(PROJECT_ID, PROJECT_NAME, NUMBER, Deployment.PRODUCTION, SOURCE, SETTINGS,
        INITIATOR, replyTo);
  }

  private static Function<ActorRef<StatusReply<State>>, Command> startBuild(String worker, Instant leaseUntil) {
    return startBuild(worker, leaseUntil, MAX_ATTEMPTS);
  }

  private static Function<ActorRef<StatusReply<State>>, Command> startBuild(String worker, Instant leaseUntil,
      int maxAttempts) {
    return replyTo -> new StartBuild(worker, leaseUntil, maxAttempts, replyTo);
  }

  private static Function<ActorRef<StatusReply<Done>>, Command> renewLease(String worker, Instant leaseUntil) {
    return replyTo -> new RenewLease(worker, leaseUntil, replyTo);
  }

  private static Function<ActorRef<StatusReply<Done>>, Command> recordSource(String worker) {
    return replyTo -> new RecordSource(worker, "0123abcd", "Fix the header", "Alice <alice@example.com>", replyTo);
  }

  private static Function<ActorRef<StatusReply<Done>>, Command> startPublishing(String worker) {
    return replyTo -> new StartPublishing(worker, replyTo);
  }

  private static Function<ActorRef<StatusReply<State>>, Command> markReady(String worker) {
    return replyTo -> new MarkReady(worker, "vite", 12, 3456, replyTo);
  }

  private static Function<ActorRef<StatusReply<State>>, Command> markFailed(String worker) {
    return replyTo -> new MarkFailed(worker, "npm run build exited with 1", replyTo);
  }

  private static Function<ActorRef<StatusReply<State>>, Command> cancel() {
    return replyTo -> new Cancel(INITIATOR, replyTo);
  }

  private static CommandResultWithReply<Command, Event, State, ? extends StatusReply<?>> send(
      WorkerCommand command, String worker) {
    return switch (command) {
      case RENEW_LEASE -> testKit.runCommand(renewLease(worker, validLease()));
      case RECORD_SOURCE -> testKit.runCommand(recordSource(worker));
      case START_PUBLISHING -> testKit.runCommand(startPublishing(worker));
      case MARK_READY -> testKit.runCommand(markReady(worker));
      case MARK_FAILED -> testKit.runCommand(markFailed(worker));
    };
  }
}
