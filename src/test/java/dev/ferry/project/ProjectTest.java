package dev.ferry.project;

import static dev.ferry.testing.EntityTests.assertNoEvents;
import static dev.ferry.testing.EntityTests.assertRejected;
import static dev.ferry.testing.EntityTests.successValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.common.Initiator;
import dev.ferry.project.Project.AddDeployHook;
import dev.ferry.project.Project.AutoPromote;
import dev.ferry.project.Project.BranchClosed;
import dev.ferry.project.Project.CloseBranch;
import dev.ferry.project.Project.CredentialRemoved;
import dev.ferry.project.Project.CredentialSet;
import dev.ferry.project.Project.DeployHookAdded;
import dev.ferry.project.Project.DeployHookRemoved;
import dev.ferry.project.Project.RemoveDeployHook;
import dev.ferry.project.Project.SetCredential;
import dev.ferry.project.Project.ChangeSettings;
import dev.ferry.project.Project.Command;
import dev.ferry.project.Project.Create;
import dev.ferry.project.Project.DataKeyRewrapped;
import dev.ferry.project.Project.Delete;
import dev.ferry.project.Project.DeploymentRequested;
import dev.ferry.project.Project.DeploymentTicket;
import dev.ferry.project.Project.EnvVarRemoved;
import dev.ferry.project.Project.EnvVarSet;
import dev.ferry.project.Project.Event;
import dev.ferry.project.Project.Get;
import dev.ferry.project.Project.ProductionEntry;
import dev.ferry.project.Project.ProductionPromoted;
import dev.ferry.project.Project.ProjectCreated;
import dev.ferry.project.Project.ProjectDeleted;
import dev.ferry.project.Project.PromotionReason;
import dev.ferry.project.Project.Promote;
import dev.ferry.project.Project.RemoveEnvVar;
import dev.ferry.project.Project.RequestDeployment;
import dev.ferry.project.Project.RewrapDataKey;
import dev.ferry.project.Project.Rollback;
import dev.ferry.project.Project.SetEnvVar;
import dev.ferry.project.Project.SettingsChanged;
import dev.ferry.project.Project.State;
import dev.ferry.project.Project.Status;
import dev.ferry.secrets.MasterKeyring;
import dev.ferry.secrets.SecretBox;
import dev.ferry.secrets.SecretBoxException;
import dev.ferry.secrets.WrappedKey;
import dev.ferry.testing.EntityTests;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.LongStream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ProjectTest {

  private static final String PROJECT_ID = "prj_test";
  private static final String NAME = "my-app";
  private static final String OWNER = "usr_alice";
  private static final Initiator INITIATOR = Initiator.user(OWNER);
  private static final Initiator PROMOTER = Initiator.system("promoter");
  private static final Initiator SYSTEM = Initiator.system("master-key-rotation");
  private static final MasterKeyring KEYRING = MasterKeyring.of(randomKey());
  private static final SecretBox SECRETS = new SecretBox(KEYRING);
  private static final WrappedKey DATA_KEY = SECRETS.newDataKey();
  private static final ProjectSettings SETTINGS = new ProjectSettings("https://github.com/acme/my-app.git",
      ProjectSettings.DEFAULT_BRANCH, null, "vite", null, "npm run build", "dist");
  private static final ProjectSettings OTHER_SETTINGS = new ProjectSettings("https://github.com/acme/my-app.git",
      "release", "web", null, "pnpm install", "pnpm build", "out");

  private static final ActorTestKit actorTestKit = EntityTests.actorTestKit(ProjectTest.class);
  private static final EventSourcedBehaviorTestKit<Command, Event, State> testKit =
      EntityTests.eventSourcedTestKit(actorTestKit, Project.create(PROJECT_ID));

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
    void createPersistsProjectCreated() {
      var result = testKit.runCommand(create(NAME, OWNER));

      ProjectCreated event = result.eventOfType(ProjectCreated.class);
      assertEquals(new ProjectCreated(PROJECT_ID, NAME, OWNER, SETTINGS, DATA_KEY, INITIATOR, event.at()), event);
      assertNotNull(event.at());
      State state = successValue(result);
      assertEquals(result.state(), state);
      assertEquals(new State(PROJECT_ID, Status.ACTIVE, NAME, OWNER, SETTINGS, 0, null, List.of(), true,
          event.at(), event.at(), DATA_KEY, List.of(), List.of(), java.util.Map.of()), state);
    }

    @Test
    void createWithoutDataKeyIsInvalid() {
      assertRejected(testKit.<StatusReply<State>>runCommand(
          replyTo -> new Create(NAME, OWNER, SETTINGS, null, INITIATOR, replyTo)), 422);
      assertEquals(Status.NEW, testKit.getState().status());
    }

    @Test
    void getIsNotFound() {
      assertRejected(testKit.runCommand(Get::new), 404);
    }

    @Test
    void changeSettingsIsNotFound() {
      assertRejected(testKit.runCommand(changeSettings(OTHER_SETTINGS)), 404);
    }

    @Test
    void requestDeploymentIsNotFound() {
      assertRejected(testKit.runCommand(requestDeployment("dpl1")), 404);
    }

    @Test
    void promoteIsNotFound() {
      assertRejected(testKit.runCommand(promote(1)), 404);
    }

    @Test
    void autoPromoteIsNotFound() {
      assertRejected(testKit.runCommand(autoPromote(1)), 404);
    }

    @Test
    void rollbackIsNotFound() {
      assertRejected(testKit.runCommand(rollbackToPrevious()), 404);
      assertRejected(testKit.runCommand(rollbackTo(1)), 404);
    }

    @Test
    void deleteIsNotFound() {
      assertRejected(testKit.runCommand(delete()), 404);
    }

    @Test
    void envVarCommandsAreNotFound() {
      assertRejected(testKit.runCommand(setEnvVar("env_1", "API_URL", List.of("production"), EnvVar.PLAIN,
          "v1:AAAA:BBBB")), 404);
      assertRejected(testKit.runCommand(removeEnvVar("env_1")), 404);
      assertRejected(testKit.runCommand(rewrapDataKey(DATA_KEY)), 404);
    }
  }

  @Nested
  class WhenActive {

    private State created;

    @BeforeEach
    void createProject() {
      created = successValue(testKit.runCommand(create(NAME, OWNER)));
    }

    @Test
    void createRetriedWithSameNameAndOwnerAnswersTheProjectWithoutEvent() {
      var result = testKit.runCommand(create(NAME, OWNER));

      assertEquals(created, successValue(result));
      assertNoEvents(result);
    }

    @Test
    void createWithAnotherNameIsConflict() {
      assertRejected(testKit.runCommand(create("other-app", OWNER)), 409);
    }

    @Test
    void createWithAnotherOwnerIsConflict() {
      assertRejected(testKit.runCommand(create(NAME, "usr_bob")), 409);
    }

    @Test
    void getAnswersTheProject() {
      var result = testKit.runCommand(Get::new);

      assertEquals(created, successValue(result));
      assertNoEvents(result);
    }

    @Test
    void changeSettingsPersistsSettingsChanged() {
      var result = testKit.runCommand(changeSettings(OTHER_SETTINGS));

      SettingsChanged event = result.eventOfType(SettingsChanged.class);
      assertEquals(new SettingsChanged(OTHER_SETTINGS, INITIATOR, event.at()), event);
      State state = successValue(result);
      assertEquals(OTHER_SETTINGS, state.settings());
      assertEquals(event.at(), state.updatedAt());
      assertEquals(created.createdAt(), state.createdAt());
    }

    @Test
    void requestDeploymentNumbersDeploymentsFromOne() {
      for (long number = 1; number <= 3; number++) {
        var result = testKit.runCommand(requestDeployment(deploymentId(number)));

        DeploymentRequested event = result.eventOfType(DeploymentRequested.class);
        assertEquals(
            new DeploymentRequested(deploymentId(number), "production", number, INITIATOR, event.at()), event);
        assertEquals(new DeploymentTicket(PROJECT_ID, NAME, number, SETTINGS), successValue(result));
        assertEquals(number, result.state().deploymentCount());
      }
    }

    @Test
    void ticketCarriesTheCurrentSettings() {
      successValue(testKit.runCommand(changeSettings(OTHER_SETTINGS)));

      DeploymentTicket ticket = successValue(testKit.runCommand(requestDeployment("dpl1")));

      assertEquals(new DeploymentTicket(PROJECT_ID, NAME, 1, OTHER_SETTINGS), ticket);
    }

    @Test
    void requestDeploymentDoesNotTouchProduction() {
      State state = testKit.runCommand(requestDeployment("dpl1")).state();

      assertNull(state.production());
      assertEquals(List.of(), state.previousProductions());
    }

    @Test
    void deletePersistsProjectDeleted() {
      var result = testKit.runCommand(delete());

      successValue(result);
      ProjectDeleted event = result.eventOfType(ProjectDeleted.class);
      assertEquals(new ProjectDeleted(NAME, INITIATOR, event.at()), event);
      assertEquals(Status.DELETED, result.state().status());
      assertEquals(event.at(), result.state().updatedAt());
    }

    @Test
    void restartRecoversTheSameState() {
      successValue(testKit.runCommand(changeSettings(OTHER_SETTINGS)));
      autoPromoteUpTo(3);
      successValue(testKit.runCommand(rollbackToPrevious()));
      State before = testKit.getState();

      assertEquals(before, testKit.restart().state());
      assertEquals(before, successValue(testKit.runCommand(Get::new)));
    }

    @Test
    void restartFromSnapshotAndLaterEventsRecoversTheSameState() {
      // ProjectCreated is event 1, so the 99th deployment request is event 100: the first snapshot.
      for (long number = 1; number <= 99; number++) {
        successValue(testKit.runCommand(requestDeployment(deploymentId(number))));
      }
      successValue(testKit.runCommand(promote(98)));
      successValue(testKit.runCommand(autoPromote(99)));
      State snapshot = testKit.snapshotTestKit().orElseThrow()
          .expectNextPersistedClass(PersistenceId.of(Project.ENTITY_KEY.name(), PROJECT_ID).id(), State.class);
      assertEquals(99, snapshot.deploymentCount());
      assertNull(snapshot.production());
      State before = testKit.getState();

      assertEquals(before, testKit.restart().state());
      assertProduction(before, 99);
      assertHistory(before, 98);
    }
  }

  /** Promote, AutoPromote and Rollback of an ACTIVE project. */
  @Nested
  class Promotion {

    @BeforeEach
    void createProject() {
      successValue(testKit.runCommand(create(NAME, OWNER)));
    }

    @Test
    void promotePersistsProductionPromoted() {
      var result = testKit.runCommand(promote(1));

      ProductionPromoted event = result.eventOfType(ProductionPromoted.class);
      assertEquals(new ProductionPromoted(NAME, "dpl1", 1, null, PromotionReason.PROMOTE, INITIATOR, event.at()),
          event);
      State state = successValue(result);
      assertProduction(state, 1);
      assertHistory(state);
      assertTrue(state.autoPromote());
      assertEquals(event.at(), state.updatedAt());
    }

    @Test
    void promoteKeepsTheFormerProductionInHistory() {
      successValue(testKit.runCommand(promote(1)));

      var result = testKit.runCommand(promote(2));

      assertEquals("dpl1", result.eventOfType(ProductionPromoted.class).previousDeploymentId());
      assertProduction(result.state(), 2);
      assertHistory(result.state(), 1);
    }

    @Test
    void promoteOfAnOlderDeploymentTakesItOutOfHistory() {
      autoPromoteUpTo(3);

      State state = successValue(testKit.runCommand(promote(1)));

      assertProduction(state, 1);
      assertHistory(state, 3, 2);
      assertTrue(state.autoPromote());
    }

    @Test
    void promoteOfTheCurrentProductionAnswersWithoutEvent() {
      State promoted = successValue(testKit.runCommand(promote(1)));

      var result = testKit.runCommand(promote(1));

      assertEquals(promoted, successValue(result));
      assertNoEvents(result);
    }

    @Test
    void autoPromoteWithoutProductionPromotes() {
      var result = testKit.runCommand(autoPromote(1));

      successValue(result);
      ProductionPromoted event = result.eventOfType(ProductionPromoted.class);
      assertEquals(new ProductionPromoted(NAME, "dpl1", 1, null, PromotionReason.AUTO, PROMOTER, event.at()),
          event);
      assertProduction(result.state(), 1);
    }

    @Test
    void autoPromoteOfANewerDeploymentPromotes() {
      successValue(testKit.runCommand(promote(1)));

      var result = testKit.runCommand(autoPromote(2));

      successValue(result);
      ProductionPromoted event = result.eventOfType(ProductionPromoted.class);
      assertEquals(PromotionReason.AUTO, event.reason());
      assertEquals("dpl1", event.previousDeploymentId());
      assertProduction(result.state(), 2);
      assertHistory(result.state(), 1);
    }

    @Test
    void autoPromoteOfAnOlderOrEqualNumberIsIgnored() {
      successValue(testKit.runCommand(promote(2)));

      for (var command : List.of(autoPromote(1), autoPromote(2), autoPromote("dpl2-rebuilt", 2))) {
        var result = testKit.runCommand(command);
        successValue(result);
        assertNoEvents(result);
        assertProduction(result.state(), 2);
      }
    }

    @Test
    void autoPromoteIsPausedByRollbackUntilAnExplicitPromote() {
      autoPromoteUpTo(2);
      State rolledBack = successValue(testKit.runCommand(rollbackToPrevious()));
      assertFalse(rolledBack.autoPromote());

      var ignored = testKit.runCommand(autoPromote(3));
      successValue(ignored);
      assertNoEvents(ignored);
      assertProduction(ignored.state(), 1);

      State promoted = successValue(testKit.runCommand(promote(2)));
      assertTrue(promoted.autoPromote());

      var resumed = testKit.runCommand(autoPromote(3));
      successValue(resumed);
      assertEquals(PromotionReason.AUTO, resumed.eventOfType(ProductionPromoted.class).reason());
      assertProduction(resumed.state(), 3);
    }

    @Test
    void promoteOfTheCurrentProductionAfterRollbackResumesAutoPromotion() {
      autoPromoteUpTo(2);
      successValue(testKit.runCommand(rollbackToPrevious()));

      var result = testKit.runCommand(promote(1));

      assertEquals(PromotionReason.PROMOTE, result.eventOfType(ProductionPromoted.class).reason());
      State state = successValue(result);
      assertProduction(state, 1);
      assertHistory(state);
      assertTrue(state.autoPromote());
    }

    @Test
    void rollbackWalksDownThePreviousProductions() {
      autoPromoteUpTo(3);

      var toSecond = testKit.runCommand(rollbackToPrevious());
      ProductionPromoted event = toSecond.eventOfType(ProductionPromoted.class);
      assertEquals(new ProductionPromoted(NAME, "dpl2", 2, "dpl3", PromotionReason.ROLLBACK, INITIATOR, event.at()),
          event);
      State second = successValue(toSecond);
      assertProduction(second, 2);
      assertHistory(second, 1);
      assertFalse(second.autoPromote());

      State first = successValue(testKit.runCommand(rollbackToPrevious()));
      assertProduction(first, 1);
      assertHistory(first);

      assertRejected(testKit.runCommand(rollbackToPrevious()), 409);
    }

    @Test
    void rollbackWithoutPreviousProductionIsConflict() {
      assertRejected(testKit.runCommand(rollbackToPrevious()), 409);

      successValue(testKit.runCommand(promote(1)));

      assertRejected(testKit.runCommand(rollbackToPrevious()), 409);
    }

    @Test
    void rollbackToAnExplicitDeploymentDropsTheNewerOnesFromHistory() {
      autoPromoteUpTo(4);

      var result = testKit.runCommand(rollbackTo(2));

      ProductionPromoted event = result.eventOfType(ProductionPromoted.class);
      assertEquals(PromotionReason.ROLLBACK, event.reason());
      assertEquals("dpl4", event.previousDeploymentId());
      State state = successValue(result);
      assertProduction(state, 2);
      assertHistory(state, 1);
      assertFalse(state.autoPromote());
    }

    @Test
    void rollbackToTheCurrentProductionIsConflict() {
      autoPromoteUpTo(2);

      var result = testKit.runCommand(rollbackTo(2));

      assertRejected(result, 409);
      assertProduction(result.state(), 2);
      assertTrue(result.state().autoPromote());
    }

    @Test
    void productionHistoryIsBounded() {
      long last = Project.PRODUCTION_HISTORY + 5;

      autoPromoteUpTo(last);

      State state = testKit.getState();
      assertProduction(state, last);
      assertHistory(state, LongStream.iterate(last - 1, n -> n - 1).limit(Project.PRODUCTION_HISTORY).toArray());
    }
  }

  /** SetEnvVar, RemoveEnvVar and RewrapDataKey of an ACTIVE project. */
  @Nested
  class EnvironmentVariables {

    private State created;

    @BeforeEach
    void createProject() {
      created = successValue(testKit.runCommand(create(NAME, OWNER)));
    }

    @Test
    void setEnvVarPersistsTheSealedValueOnly() {
      String plaintext = "s3cr3t-" + UUID.randomUUID();
      String sealed = seal(created, "env_1", plaintext);

      var result = testKit.runCommand(setEnvVar("env_1", "API_TOKEN", List.of("production", "preview"),
          EnvVar.SECRET, sealed));

      EnvVarSet event = result.eventOfType(EnvVarSet.class);
      assertEquals(new EnvVarSet("env_1", "API_TOKEN", List.of("production", "preview"), EnvVar.SECRET, true,
          sealed, INITIATOR, event.at()), event);
      EnvVar envVar = successValue(result);
      assertEquals(new EnvVar("env_1", "API_TOKEN", List.of("production", "preview"), EnvVar.SECRET, true, sealed,
          event.at(), INITIATOR), envVar);
      assertEquals(List.of(envVar), result.state().envVars());
      assertEquals(created.updatedAt(), result.state().updatedAt());
      assertFalse(serialized(event).contains(plaintext));
      assertFalse(serialized(result.state()).contains(plaintext));
      assertEquals(plaintext, open(result.state(), envVar));
    }

    @Test
    void theSameKeyForAnOverlappingTargetIsConflict() {
      successValue(testKit.runCommand(setPlain("env_1", "API_URL", "production", "preview")));

      var result = testKit.runCommand(setPlain("env_2", "API_URL", "preview", "development"));

      assertRejected(result, 409);
      assertTrue(EntityTests.errorMessage(result).contains("API_URL already exists for preview"),
          EntityTests.errorMessage(result));
      assertEquals(1, result.state().envVars().size());
    }

    @Test
    void theSameKeyForOtherTargetsAndOtherKeysAreAllowed() {
      successValue(testKit.runCommand(setPlain("env_1", "API_URL", "production")));
      successValue(testKit.runCommand(setPlain("env_2", "API_URL", "preview", "development")));
      successValue(testKit.runCommand(setPlain("env_3", "api_url", "production")));

      assertEquals(List.of("env_1", "env_2", "env_3"),
          testKit.getState().envVars().stream().map(EnvVar::id).toList());
    }

    @Test
    void aRetriedSetAnswersTheVariableWithoutEvent() {
      EnvVar first = successValue(testKit.runCommand(setPlain("env_1", "API_URL", "production")));

      var retried = testKit.runCommand(setPlain("env_1", "API_URL", "production"));

      assertEquals(first, successValue(retried));
      assertNoEvents(retried);
      assertRejected(testKit.runCommand(setPlain("env_1", "OTHER", "production")), 409);
    }

    @Test
    void anInvalidVariableIsRejected() {
      String sealed = seal(created, "env_1", "value");
      assertRejected(testKit.runCommand(setEnvVar("env_1", "FERRY_ENV", List.of("production"), EnvVar.PLAIN,
          sealed)), 422);
      assertRejected(testKit.runCommand(setEnvVar("env_1", "1ABC", List.of("production"), EnvVar.PLAIN,
          sealed)), 422);
      assertRejected(testKit.runCommand(setEnvVar("env_1", "ABC", List.of(), EnvVar.PLAIN, sealed)), 422);
      assertRejected(testKit.runCommand(setEnvVar("env_1", "ABC", List.of("staging"), EnvVar.PLAIN, sealed)), 422);
      assertRejected(testKit.runCommand(setEnvVar("env_1", "ABC", List.of("production", "production"),
          EnvVar.PLAIN, sealed)), 422);
      assertRejected(testKit.runCommand(setEnvVar("env_1", "ABC", List.of("production"), "encrypted", sealed)),
          422);
      assertRejected(testKit.runCommand(setEnvVar("env_1", "ABC", List.of("production"), EnvVar.PLAIN, null)),
          422);
    }

    @Test
    void aProjectHasAtMost200Variables() {
      for (int i = 0; i < Project.MAX_ENV_VARS; i++) {
        successValue(testKit.runCommand(setEnvVar("env_" + i, "VAR_" + i, List.of("production"), EnvVar.PLAIN,
            "v1:AAAA:BBBB")));
      }

      assertRejected(testKit.runCommand(setPlain("env_x", "ONE_MORE", "production")), 422);

      successValue(testKit.runCommand(removeEnvVar("env_0")));
      successValue(testKit.runCommand(setPlain("env_x", "ONE_MORE", "production")));
      assertEquals(Project.MAX_ENV_VARS, testKit.getState().envVars().size());
    }

    @Test
    void removeEnvVarPersistsEnvVarRemoved() {
      successValue(testKit.runCommand(setPlain("env_1", "API_URL", "production")));
      successValue(testKit.runCommand(setPlain("env_2", "DEBUG", "preview")));

      var result = testKit.runCommand(removeEnvVar("env_1"));

      successValue(result);
      EnvVarRemoved event = result.eventOfType(EnvVarRemoved.class);
      assertEquals(new EnvVarRemoved("env_1", "API_URL", INITIATOR, event.at()), event);
      assertEquals(List.of("env_2"), result.state().envVars().stream().map(EnvVar::id).toList());
      // The key is free again.
      successValue(testKit.runCommand(setPlain("env_3", "API_URL", "production")));
    }

    @Test
    void removeOfAnUnknownVariableIsNotFound() {
      assertRejected(testKit.runCommand(removeEnvVar("env_nope")), 404);
    }

    @Test
    void rewrapDataKeyPersistsDataKeyRewrappedAndTheValuesStillOpen() {
      String sealed = seal(created, "env_1", "kept across rotation");
      EnvVar envVar = successValue(testKit.runCommand(setEnvVar("env_1", "API_TOKEN", List.of("production"),
          EnvVar.SECRET, sealed)));
      byte[] newMasterKey = randomKey();
      WrappedKey rewrapped = SECRETS.rewrap(DATA_KEY, MasterKeyring.of(newMasterKey).withRetired(KEYRING));

      var result = testKit.runCommand(rewrapDataKey(rewrapped));

      successValue(result);
      DataKeyRewrapped event = result.eventOfType(DataKeyRewrapped.class);
      assertEquals(new DataKeyRewrapped(rewrapped, KEYRING.currentKeyId(), SYSTEM, event.at()), event);
      State state = result.state();
      assertEquals(rewrapped, state.dataKey());
      assertEquals(created.updatedAt(), state.updatedAt());
      // The new master key alone opens the values now.
      try (EnvVarValues values = EnvVarValues.of(new SecretBox(MasterKeyring.of(newMasterKey)), state)) {
        assertEquals("kept across rotation", values.open(envVar));
      }
    }

    @Test
    void rewrapToTheMasterKeyInUseIsAcknowledgedWithoutEvent() {
      var result = testKit.runCommand(rewrapDataKey(SECRETS.rewrap(DATA_KEY, KEYRING)));

      successValue(result);
      assertNoEvents(result);
      assertEquals(DATA_KEY, result.state().dataKey());
    }

    @Test
    void aSealedValueCopiedToAnotherVariableDoesNotOpen() {
      String sealed = seal(created, "env_1", "only for env_1");
      EnvVar copied = successValue(testKit.runCommand(setEnvVar("env_2", "COPY", List.of("production"),
          EnvVar.SECRET, sealed)));

      assertThrows(SecretBoxException.class, () -> open(testKit.getState(), copied));
    }

    @Test
    void restartRecoversTheVariablesAndTheDataKey() {
      successValue(testKit.runCommand(setPlain("env_1", "API_URL", "production")));
      successValue(testKit.runCommand(setPlain("env_2", "DEBUG", "preview")));
      successValue(testKit.runCommand(removeEnvVar("env_1")));
      successValue(testKit.runCommand(rewrapDataKey(
          SECRETS.rewrap(DATA_KEY, MasterKeyring.of(randomKey()).withRetired(KEYRING)))));
      State before = testKit.getState();

      assertEquals(before, testKit.restart().state());
      assertEquals(before, successValue(testKit.runCommand(Get::new)));
    }

    @Test
    void restartFromSnapshotRecoversTheVariables() {
      for (int i = 1; i <= 99; i++) {
        successValue(testKit.runCommand(setEnvVar("env_" + i, "VAR_" + i, List.of("preview"), EnvVar.PLAIN,
            "v1:AAAA:BBBB")));
      }
      State snapshot = testKit.snapshotTestKit().orElseThrow()
          .expectNextPersistedClass(PersistenceId.of(Project.ENTITY_KEY.name(), PROJECT_ID).id(), State.class);
      assertEquals(99, snapshot.envVars().size());
      successValue(testKit.runCommand(removeEnvVar("env_5")));
      State before = testKit.getState();

      assertEquals(before, testKit.restart().state());
      assertEquals(98, before.envVars().size());
    }

    private Function<ActorRef<StatusReply<EnvVar>>, Command> setPlain(String id, String key, String... targets) {
      return setEnvVar(id, key, List.of(targets), EnvVar.PLAIN, seal(created, id, "value of " + key));
    }
  }

  @Nested
  class WhenDeleted {

    @BeforeEach
    void createAndDeleteProject() {
      successValue(testKit.runCommand(create(NAME, OWNER)));
      successValue(testKit.runCommand(delete()));
    }

    @Test
    void createIsConflictEvenForTheSameNameAndOwner() {
      assertRejected(testKit.runCommand(create(NAME, OWNER)), 409);
      assertRejected(testKit.runCommand(create("other-app", "usr_bob")), 409);
    }

    @Test
    void getIsNotFound() {
      assertRejected(testKit.runCommand(Get::new), 404);
    }

    @Test
    void changeSettingsIsNotFound() {
      assertRejected(testKit.runCommand(changeSettings(OTHER_SETTINGS)), 404);
    }

    @Test
    void requestDeploymentIsNotFound() {
      assertRejected(testKit.runCommand(requestDeployment("dpl1")), 404);
    }

    @Test
    void promoteIsNotFound() {
      assertRejected(testKit.runCommand(promote(1)), 404);
    }

    @Test
    void rollbackIsNotFound() {
      assertRejected(testKit.runCommand(rollbackToPrevious()), 404);
      assertRejected(testKit.runCommand(rollbackTo(1)), 404);
    }

    @Test
    void autoPromoteIsAcknowledgedWithoutEvent() {
      var result = testKit.runCommand(autoPromote(1));

      successValue(result);
      assertNoEvents(result);
      assertNull(result.state().production());
    }

    @Test
    void deleteIsAcknowledgedWithoutEvent() {
      var result = testKit.runCommand(delete());

      successValue(result);
      assertNoEvents(result);
      assertEquals(Status.DELETED, result.state().status());
    }

    @Test
    void envVarCommandsAreNotFound() {
      assertRejected(testKit.runCommand(setEnvVar("env_1", "API_URL", List.of("production"), EnvVar.PLAIN,
          "v1:AAAA:BBBB")), 404);
      assertRejected(testKit.runCommand(removeEnvVar("env_1")), 404);
      assertRejected(testKit.runCommand(rewrapDataKey(DATA_KEY)), 404);
    }

    @Test
    void restartKeepsTheProjectDeleted() {
      assertEquals(Status.DELETED, testKit.restart().state().status());
    }
  }

  /** Git credentials, deploy hooks and closed branches. */
  @Nested
  class GitIntegration {

    private static final String HASH = "a".repeat(64);

    @BeforeEach
    void createProject() {
      successValue(testKit.runCommand(create(NAME, OWNER)));
    }

    @Test
    void aCredentialIsStoredSealedAndOpensOnlyForItsName() {
      State project = testKit.getState();
      String token = "ghp_" + UUID.randomUUID();
      String sealed = ProjectCredentials.seal(SECRETS, project, Project.GIT_ACCESS_TOKEN, token);

      var result = testKit.runCommand(setCredential(Project.GIT_ACCESS_TOKEN, sealed));

      CredentialSet event = result.eventOfType(CredentialSet.class);
      assertEquals(new CredentialSet(Project.GIT_ACCESS_TOKEN, sealed, INITIATOR, event.at()), event);
      assertFalse(serialized(event).contains(token), "the journal holds no plaintext");
      State state = successValue(result);
      assertEquals(java.util.Optional.of(token), ProjectCredentials.open(SECRETS, state, Project.GIT_ACCESS_TOKEN));
      assertEquals(java.util.Optional.empty(), ProjectCredentials.open(SECRETS, state, Project.GITHUB_WEBHOOK_SECRET));
      assertEquals(project.updatedAt(), state.updatedAt(), "credentials are not settings");

      // Copied to the other credential, the ciphertext does not open.
      State copied = successValue(testKit.runCommand(setCredential(Project.GITHUB_WEBHOOK_SECRET, sealed)));
      assertThrows(SecretBoxException.class,
          () -> ProjectCredentials.open(SECRETS, copied, Project.GITHUB_WEBHOOK_SECRET));
      assertEquals(state.credentials().get(Project.GIT_ACCESS_TOKEN),
          testKit.restart().state().credentials().get(Project.GIT_ACCESS_TOKEN));
    }

    @Test
    void aNullValueRemovesTheCredentialOnce() {
      String sealed = ProjectCredentials.seal(SECRETS, testKit.getState(), Project.GITHUB_WEBHOOK_SECRET, "s3cret!");
      successValue(testKit.runCommand(setCredential(Project.GITHUB_WEBHOOK_SECRET, sealed)));

      var removed = testKit.runCommand(setCredential(Project.GITHUB_WEBHOOK_SECRET, null));
      assertEquals(new CredentialRemoved(Project.GITHUB_WEBHOOK_SECRET, INITIATOR,
          removed.eventOfType(CredentialRemoved.class).at()), removed.eventOfType(CredentialRemoved.class));
      assertTrue(successValue(removed).credential(Project.GITHUB_WEBHOOK_SECRET).isEmpty());
      assertNoEvents(testKit.runCommand(setCredential(Project.GITHUB_WEBHOOK_SECRET, null)));
    }

    @Test
    void anUnknownCredentialIsInvalid() {
      assertRejected(testKit.runCommand(setCredential("sshKey", "v1:AAAA:BBBB")), 422);
    }

    @Test
    void aDeployHookKeepsOnlyTheHashOfItsSecretAndARetryAnswersTheSameHook() {
      var result = testKit.runCommand(addDeployHook("dh_1", "Nightly", "main", HASH));

      DeployHookAdded event = result.eventOfType(DeployHookAdded.class);
      assertEquals(new DeployHookAdded("dh_1", "Nightly", "main", HASH, INITIATOR, event.at()), event);
      DeployHook hook = successValue(result);
      assertEquals(new DeployHook("dh_1", "Nightly", "main", HASH, event.at(), INITIATOR), hook);
      assertEquals(List.of(hook), result.state().deployHooks());

      var retry = testKit.runCommand(addDeployHook("dh_1", "Nightly", "main", HASH));
      assertEquals(hook, successValue(retry));
      assertNoEvents(retry);
      assertRejected(testKit.runCommand(addDeployHook("dh_1", "Other", "main", "b".repeat(64))), 409);
      assertEquals(List.of(hook), testKit.restart().state().deployHooks());
    }

    @Test
    void invalidDeployHooksAreRefused() {
      assertRejected(testKit.runCommand(addDeployHook("dh_1", "", "main", HASH)), 422);
      assertRejected(testKit.runCommand(addDeployHook("dh_1", "x".repeat(101), "main", HASH)), 422);
      assertRejected(testKit.runCommand(addDeployHook("dh_1", "Nightly", "../etc", HASH)), 422);
      assertRejected(testKit.runCommand(addDeployHook("dh_1", "Nightly", "main", "not-a-hash")), 422);
      assertRejected(testKit.runCommand(addDeployHook("dh_1", "Nightly", "main", null)), 422);
    }

    @Test
    void aProjectHasAtMostFiftyDeployHooks() {
      for (int i = 0; i < Project.MAX_DEPLOY_HOOKS; i++) {
        successValue(testKit.runCommand(addDeployHook("dh_" + i, "Hook " + i, "main", HASH)));
      }
      assertRejected(testKit.runCommand(addDeployHook("dh_last", "One more", "main", HASH)), 422);
    }

    @Test
    void removingADeployHookForgetsIt() {
      successValue(testKit.runCommand(addDeployHook("dh_1", "Nightly", "main", HASH)));
      successValue(testKit.runCommand(addDeployHook("dh_2", "Preview", "develop", HASH)));

      var result = testKit.runCommand(removeDeployHook("dh_1"));

      DeployHookRemoved event = result.eventOfType(DeployHookRemoved.class);
      assertEquals(new DeployHookRemoved("dh_1", INITIATOR, event.at()), event);
      assertEquals(List.of("dh_2"), result.state().deployHooks().stream().map(DeployHook::id).toList());
      assertRejected(testKit.runCommand(removeDeployHook("dh_1")), 404);
    }

    @Test
    void closingABranchRecordsHowFarItsDeploymentsGo() {
      successValue(testKit.runCommand(requestDeployment("dpl1")));
      successValue(testKit.runCommand(requestDeployment("dpl2")));

      var result = testKit.<StatusReply<Done>>runCommand(
          replyTo -> new CloseBranch("feature/login", INITIATOR, replyTo));

      BranchClosed event = result.eventOfType(BranchClosed.class);
      assertEquals(new BranchClosed(NAME, "feature/login", 2, INITIATOR, event.at()), event);
      successValue(result);
      assertEquals(2, result.state().deploymentCount());
    }

    @Test
    void gitCommandsOfAMissingOrDeletedProjectAreNotFound() {
      successValue(testKit.runCommand(delete()));
      assertRejected(testKit.runCommand(setCredential(Project.GIT_ACCESS_TOKEN, "v1:AAAA:BBBB")), 404);
      assertRejected(testKit.runCommand(addDeployHook("dh_1", "Nightly", "main", HASH)), 404);
      assertRejected(testKit.runCommand(removeDeployHook("dh_1")), 404);
      assertRejected(testKit.<StatusReply<Done>>runCommand(replyTo -> new CloseBranch("main", INITIATOR, replyTo)),
          404);
      testKit.clear();
      assertRejected(testKit.runCommand(addDeployHook("dh_1", "Nightly", "main", HASH)), 404);
    }

    private Function<ActorRef<StatusReply<State>>, Command> setCredential(String name, String sealed) {
      return replyTo -> new SetCredential(name, sealed, INITIATOR, replyTo);
    }

    private Function<ActorRef<StatusReply<DeployHook>>, Command> addDeployHook(String id, String name, String ref,
        String hash) {
      return replyTo -> new AddDeployHook(id, name, ref, hash, INITIATOR, replyTo);
    }

    private Function<ActorRef<StatusReply<Done>>, Command> removeDeployHook(String id) {
      return replyTo -> new RemoveDeployHook(id, INITIATOR, replyTo);
    }
  }

  // Set-up

  private static String seal(State project, String envId, String plaintext) {
    try (EnvVarValues values = EnvVarValues.of(SECRETS, project)) {
      return values.seal(envId, plaintext);
    }
  }

  private static String open(State project, EnvVar envVar) {
    try (EnvVarValues values = EnvVarValues.of(SECRETS, project)) {
      return values.open(envVar);
    }
  }

  /** What Pekko writes to the journal for {@code message}, read as text. */
  private static String serialized(Object message) {
    var serialization = SerializationExtension.get(actorTestKit.system());
    byte[] bytes = serialization.serialize(message).get();
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  private static byte[] randomKey() {
    byte[] key = new byte[MasterKeyring.KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return key;
  }

  private static void autoPromoteUpTo(long last) {
    for (long number = 1; number <= last; number++) {
      successValue(testKit.runCommand(requestDeployment(deploymentId(number))));
      successValue(testKit.runCommand(autoPromote(number)));
    }
  }

  private static String deploymentId(long number) {
    return "dpl" + number;
  }

  // Assertions

  private static void assertProduction(State state, long number) {
    assertEquals(new ProductionEntry(deploymentId(number), number), state.production());
    assertEquals(deploymentId(number), state.productionDeploymentId());
  }

  /** The former productions, newest first. */
  private static void assertHistory(State state, long... numbers) {
    List<ProductionEntry> expected = LongStream.of(numbers)
        .mapToObj(n -> new ProductionEntry(deploymentId(n), n))
        .toList();
    assertEquals(expected, state.previousProductions());
  }

  // Commands

  private static Function<ActorRef<StatusReply<State>>, Command> create(String name, String owner) {
    return replyTo -> new Create(name, owner, SETTINGS, DATA_KEY, INITIATOR, replyTo);
  }

  private static Function<ActorRef<StatusReply<State>>, Command> changeSettings(ProjectSettings settings) {
    return replyTo -> new ChangeSettings(settings, INITIATOR, replyTo);
  }

  private static Function<ActorRef<StatusReply<DeploymentTicket>>, Command> requestDeployment(String id) {
    return replyTo -> new RequestDeployment(id, "production", INITIATOR, replyTo);
  }

  private static Function<ActorRef<StatusReply<State>>, Command> promote(long number) {
    return replyTo -> new Promote(deploymentId(number), number, INITIATOR, replyTo);
  }

  private static Function<ActorRef<StatusReply<Done>>, Command> autoPromote(long number) {
    return autoPromote(deploymentId(number), number);
  }

  private static Function<ActorRef<StatusReply<Done>>, Command> autoPromote(String id, long number) {
    return replyTo -> new AutoPromote(id, number, PROMOTER, replyTo);
  }

  private static Function<ActorRef<StatusReply<State>>, Command> rollbackToPrevious() {
    return replyTo -> new Rollback(null, 0, INITIATOR, replyTo);
  }

  private static Function<ActorRef<StatusReply<State>>, Command> rollbackTo(long number) {
    return replyTo -> new Rollback(deploymentId(number), number, INITIATOR, replyTo);
  }

  private static Function<ActorRef<StatusReply<Done>>, Command> delete() {
    return replyTo -> new Delete(INITIATOR, replyTo);
  }

  private static Function<ActorRef<StatusReply<EnvVar>>, Command> setEnvVar(String id, String key,
      List<String> targets, String type, String sealedValue) {
    return replyTo -> new SetEnvVar(id, key, targets, type, true, sealedValue, INITIATOR, replyTo);
  }

  private static Function<ActorRef<StatusReply<Done>>, Command> removeEnvVar(String id) {
    return replyTo -> new RemoveEnvVar(id, INITIATOR, replyTo);
  }

  private static Function<ActorRef<StatusReply<Done>>, Command> rewrapDataKey(WrappedKey dataKey) {
    return replyTo -> new RewrapDataKey(dataKey, SYSTEM, replyTo);
  }
}
