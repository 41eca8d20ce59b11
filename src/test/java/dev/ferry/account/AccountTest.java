package dev.ferry.account;

import static dev.ferry.testing.EntityTests.assertNoEvents;
import static dev.ferry.testing.EntityTests.assertRejected;
import static dev.ferry.testing.EntityTests.rejectionStatus;
import static dev.ferry.testing.EntityTests.successValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.account.Account.AccountCreated;
import dev.ferry.account.Account.ApiTokenCreated;
import dev.ferry.account.Account.ApiTokenInfo;
import dev.ferry.account.Account.ApiTokenList;
import dev.ferry.account.Account.ApiTokenRevoked;
import dev.ferry.account.Account.AuthenticateApiToken;
import dev.ferry.account.Account.Command;
import dev.ferry.account.Account.CreateApiToken;
import dev.ferry.account.Account.Event;
import dev.ferry.account.Account.FamilyRevoked;
import dev.ferry.account.Account.Get;
import dev.ferry.account.Account.ListApiTokens;
import dev.ferry.account.Account.RefreshFamily;
import dev.ferry.account.Account.RefreshTokenRotated;
import dev.ferry.account.Account.RevocationReason;
import dev.ferry.account.Account.RevokeApiToken;
import dev.ferry.account.Account.RevokeFamily;
import dev.ferry.account.Account.RotateRefreshToken;
import dev.ferry.account.Account.Session;
import dev.ferry.account.Account.SessionStarted;
import dev.ferry.account.Account.SignUp;
import dev.ferry.account.Account.StartSession;
import dev.ferry.account.Account.State;
import dev.ferry.account.Account.Status;
import dev.ferry.account.Account.TokenPrincipal;
import dev.ferry.common.Initiator;
import dev.ferry.common.Tags;
import dev.ferry.testing.EntityTests;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class AccountTest {

  private static final String EMAIL = "alice@example.com";
  private static final String USER_ID = "usr_alice";
  private static final Initiator INITIATOR = Initiator.user(USER_ID);
  /** Shaped like a bcrypt hash; the entity never verifies passwords, so it need not be a real one. */
  private static final String PASSWORD_HASH = "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234";
  private static final Duration LIFETIME = Duration.ofDays(30);
  private static final Instant LOGIN = Instant.parse("2030-01-01T10:00:00Z");

  private static final ActorTestKit actorTestKit = EntityTests.actorTestKit(AccountTest.class);
  private static final EventSourcedBehaviorTestKit<Command, Event, State> testKit =
      EntityTests.eventSourcedTestKit(actorTestKit, Account.create(EMAIL));

  @AfterAll
  static void shutdown() {
    actorTestKit.shutdownTestKit();
  }

  @BeforeEach
  void clear() {
    testKit.clear();
  }

  @Nested
  class Emails {

    @Test
    void normalizingTrimsAndLowerCases() {
      assertEquals("alice@example.com", Account.normalizeEmail("  Alice@Example.COM \t"));
      assertNull(Account.normalizeEmail(null));
    }

    @Test
    void acceptsOrdinaryAddresses() {
      for (String email : List.of("alice@example.com", "a.b+tag@sub.example.co.uk", "x_y-z@a1.io",
          "o'neil@example.org", "user@xn--bcher-kva.example")) {
        assertTrue(Account.isValidEmail(email), email);
      }
    }

    @Test
    void rejectsMalformedAddresses() {
      for (String email : List.of("", "alice", "@example.com", "alice@", "alice@localhost", "alice@@example.com",
          ".alice@example.com", "alice.@example.com", "al..ice@example.com", "alice@-example.com",
          "alice@example-.com", "al ice@example.com", "alice@exa mple.com", "al|ice@example.com",
          "Alice@Example.com", "alice@example.c", "alice@example.com.", "a".repeat(65) + "@example.com",
          "a@" + "b".repeat(250) + ".com")) {
        assertFalse(Account.isValidEmail(email), email);
      }
      assertFalse(Account.isValidEmail(null));
    }

    @Test
    void userIdsArePrefixedAndRandom() {
      String id = Account.newUserId();
      assertTrue(id.matches("usr_[a-z0-9]{16}"), id);
      assertFalse(id.equals(Account.newUserId()));
    }
  }

  @Nested
  class WhenNew {

    @Test
    void signUpPersistsAccountCreated() {
      var result = testKit.runCommand(signUp(USER_ID));

      State state = successValue(result);
      AccountCreated event = result.eventOfType(AccountCreated.class);
      assertEquals(new AccountCreated(USER_ID, EMAIL, PASSWORD_HASH, INITIATOR, event.at()), event);
      assertEquals(Status.ACTIVE, state.status());
      assertEquals(USER_ID, state.userId());
      assertEquals(EMAIL, state.email());
      assertEquals(PASSWORD_HASH, state.passwordHash());
      assertEquals(event.at(), state.createdAt());
      assertTrue(state.refreshFamilies().isEmpty());
      assertTrue(state.apiTokens().isEmpty());
    }

    @Test
    void signUpWithAnInvalidEmailIdIsRejected() {
      EventSourcedBehaviorTestKit<Command, Event, State> invalid =
          EntityTests.eventSourcedTestKit(actorTestKit, Account.create("not-an-email"));

      assertRejected(invalid.runCommand(signUp(USER_ID)), 422);
      assertEquals(Status.NEW, invalid.getState().status());
    }

    @Test
    void signUpWithoutUserIdIsRejected() {
      assertRejected(testKit.runCommand(signUp(" ", PASSWORD_HASH)), 422);
    }

    @Test
    void signUpWithAPlainPasswordIsRejected() {
      assertRejected(testKit.runCommand(signUp(USER_ID, "correct horse battery")),
          422);
      assertRejected(testKit.runCommand(signUp(USER_ID, null)), 422);
    }

    @Test
    void readsAndChangesAreNotFound() {
      assertRejected(testKit.runCommand(Get::new), 404);
      assertRejected(testKit.runCommand(startSession("fam-1", hash("rt-1"), LOGIN)), 404);
      assertRejected(testKit.runCommand(revokeFamily("fam-1")), 404);
      assertRejected(testKit.runCommand(createApiToken("tok-1", "ci", hash("pat-1"), null)), 404);
      assertRejected(testKit.runCommand(revokeApiToken("tok-1")), 404);
      assertRejected(testKit.runCommand(ListApiTokens::new), 404);
    }

    @Test
    void credentialsAreUnauthorized() {
      assertRejected(testKit.runCommand(rotate(hash("rt-1"), hash("rt-2"), LOGIN)), 401);
      assertRejected(testKit.runCommand(authenticate(hash("pat-1"), LOGIN)), 401);
    }

    @Test
    void repliesCrossTheClusterAsCbor() {
      var serialization = new SerializationTestKit(actorTestKit.system());
      for (Object reply : List.of(new Session("fam-1", USER_ID, EMAIL), new TokenPrincipal(USER_ID, EMAIL, "tok-1"),
          new ApiTokenList(List.of(new ApiTokenInfo("tok-1", "ci", LOGIN, null),
              new ApiTokenInfo("tok-2", "deploy", LOGIN, LOGIN.plus(LIFETIME)))))) {
        serialization.verifySerialization(reply, true);
      }
    }

    @Test
    void eventsAreTaggedByEmail() {
      Account account = (Account) Account.create(EMAIL);
      AccountCreated event = new AccountCreated(USER_ID, EMAIL, PASSWORD_HASH, INITIATOR, LOGIN);

      assertEquals(Set.of(Tags.forId("Account", EMAIL)), account.tagsFor(event));
    }
  }

  @Nested
  class WhenActive {

    @BeforeEach
    void signUpAlice() {
      successValue(testKit.runCommand(signUp(USER_ID)));
    }

    @Test
    void signUpRetryBySameUserIsIdempotent() {
      var result = testKit.runCommand(signUp(USER_ID));

      assertEquals(USER_ID, successValue(result).userId());
      assertNoEvents(result);
    }

    @Test
    void signUpByAnotherUserConflicts() {
      assertRejected(testKit.runCommand(signUp("usr_mallory")), 409);
      assertEquals(USER_ID, testKit.getState().userId());
    }

    @Test
    void getAnswersTheState() {
      var result = testKit.runCommand(Get::new);

      assertEquals(testKit.getState(), successValue(result));
      assertNoEvents(result);
    }

    @Test
    void startSessionPersistsSessionStarted() {
      var result = testKit.runCommand(startSession("fam-1", hash("rt-1"), LOGIN));

      assertEquals(new Session("fam-1", USER_ID, EMAIL), successValue(result));
      assertEquals(new SessionStarted("fam-1", hash("rt-1"), INITIATOR, LOGIN), result.eventOfType(SessionStarted.class));
      assertEquals(new RefreshFamily(hash("rt-1"), List.of(), LOGIN, LOGIN, false),
          result.state().refreshFamilies().get("fam-1"));
    }

    @Test
    void startSessionRetryIsIdempotent() {
      successValue(testKit.runCommand(startSession("fam-1", hash("rt-1"), LOGIN)));

      var retry = testKit.runCommand(startSession("fam-1", hash("rt-1"), LOGIN));

      assertEquals(new Session("fam-1", USER_ID, EMAIL), successValue(retry));
      assertNoEvents(retry);
    }

    @Test
    void startSessionWithAnExistingFamilyIdConflicts() {
      successValue(testKit.runCommand(startSession("fam-1", hash("rt-1"), LOGIN)));

      assertRejected(testKit.runCommand(startSession("fam-1", hash("rt-other"), LOGIN)), 409);
    }

    @Test
    void startSessionWithATokenInUseConflicts() {
      successValue(testKit.runCommand(startSession("fam-1", hash("rt-1"), LOGIN)));
      successValue(testKit.runCommand(rotate(hash("rt-1"), hash("rt-2"), LOGIN.plusSeconds(60))));

      assertRejected(testKit.runCommand(startSession("fam-2", hash("rt-2"), LOGIN)), 409);
      assertRejected(testKit.runCommand(startSession("fam-2", hash("rt-1"), LOGIN)), 409);
    }

    @Test
    void startSessionValidatesItsInput() {
      assertRejected(testKit.runCommand(startSession("", hash("rt-1"), LOGIN)), 422);
      assertRejected(testKit.runCommand(startSession("fam-1", "ferry_rt_plain-token", LOGIN)), 422);
      assertRejected(testKit.runCommand(startSession("fam-1", hash("rt-1").toUpperCase(), LOGIN)), 422);
    }

    @Test
    void restartRecoversTheSameState() {
      successValue(testKit.runCommand(startSession("fam-1", hash("rt-1"), LOGIN)));
      successValue(testKit.runCommand(rotate(hash("rt-1"), hash("rt-2"), LOGIN.plusSeconds(60))));
      successValue(testKit.runCommand(startSession("fam-2", hash("rt-3"), LOGIN)));
      successValue(testKit.runCommand(revokeFamily("fam-2")));
      successValue(testKit.runCommand(createApiToken("tok-1", "ci", hash("pat-1"), null)));
      successValue(testKit.runCommand(createApiToken("tok-2", "deploy", hash("pat-2"), null)));
      successValue(testKit.runCommand(revokeApiToken("tok-2")));
      State before = testKit.getState();

      assertEquals(before, testKit.restart().state());
      assertEquals(before, successValue(testKit.runCommand(Get::new)));
    }

    @Test
    void restartFromSnapshotAndLaterEventsRecoversTheSameState() {
      // AccountCreated and SessionStarted are events 1 and 2, so the 98th rotation is event 100: the first snapshot.
      successValue(testKit.runCommand(startSession("fam-1", hash("rt-0"), LOGIN)));
      for (int i = 1; i <= 100; i++) {
        successValue(testKit.runCommand(rotate(hash("rt-" + (i - 1)), hash("rt-" + i), LOGIN.plusSeconds(i))));
      }
      State snapshot = testKit.snapshotTestKit().orElseThrow()
          .expectNextPersistedClass(PersistenceId.of(Account.ENTITY_KEY.name(), EMAIL).id(), State.class);
      assertEquals(hash("rt-98"), snapshot.refreshFamilies().get("fam-1").currentTokenHash());
      State before = testKit.getState();

      assertEquals(before, testKit.restart().state());
      assertEquals(hash("rt-100"), before.refreshFamilies().get("fam-1").currentTokenHash());
    }
  }

  /** Refresh-token rotation, reuse detection, absolute lifetime and logout of an ACTIVE account. */
  @Nested
  class RefreshFamilies {

    @BeforeEach
    void signUpAndLogIn() {
      successValue(testKit.runCommand(signUp(USER_ID)));
      successValue(testKit.runCommand(startSession("fam-1", hash("rt-1"), LOGIN)));
    }

    @Test
    void rotatingTheCurrentTokenMovesTheFamilyOn() {
      Instant now = LOGIN.plusSeconds(900);
      var result = testKit.runCommand(rotate(hash("rt-1"), hash("rt-2"), now));

      assertEquals(new Session("fam-1", USER_ID, EMAIL), successValue(result));
      assertEquals(new RefreshTokenRotated("fam-1", hash("rt-1"), hash("rt-2"), INITIATOR, now),
          result.eventOfType(RefreshTokenRotated.class));
      assertEquals(new RefreshFamily(hash("rt-2"), List.of(hash("rt-1")), LOGIN, now, false),
          result.state().refreshFamilies().get("fam-1"));
    }

    @Test
    void theNewTokenRotatesAgain() {
      successValue(testKit.runCommand(rotate(hash("rt-1"), hash("rt-2"), LOGIN.plusSeconds(1))));

      var result = testKit.runCommand(rotate(hash("rt-2"), hash("rt-3"), LOGIN.plusSeconds(2)));

      assertEquals("fam-1", successValue(result).familyId());
      assertEquals(List.of(hash("rt-1"), hash("rt-2")),
          result.state().refreshFamilies().get("fam-1").usedTokenHashes());
    }

    @Test
    void reusingAUsedTokenRevokesTheWholeFamily() {
      successValue(testKit.runCommand(rotate(hash("rt-1"), hash("rt-2"), LOGIN.plusSeconds(1))));
      Instant now = LOGIN.plusSeconds(2);

      var result = testKit.runCommand(rotate(hash("rt-1"), hash("rt-attacker"), now));

      assertEquals(401, rejectionStatus(result));
      assertEquals(new FamilyRevoked("fam-1", RevocationReason.REUSE_DETECTED,
          Initiator.system("refresh-token-reuse-detection"), now), result.eventOfType(FamilyRevoked.class));
      assertTrue(result.state().refreshFamilies().get("fam-1").revoked());
      // The legitimate holder's current token is dead too.
      assertRejected(testKit.runCommand(rotate(hash("rt-2"), hash("rt-3"), LOGIN.plusSeconds(3))), 401);
      // And presenting the used one again changes nothing more.
      assertRejected(testKit.runCommand(rotate(hash("rt-1"), hash("rt-4"), LOGIN.plusSeconds(4))), 401);
    }

    @Test
    void reuseRevokesOnlyItsOwnFamily() {
      successValue(testKit.runCommand(startSession("fam-2", hash("other-1"), LOGIN)));
      successValue(testKit.runCommand(rotate(hash("rt-1"), hash("rt-2"), LOGIN.plusSeconds(1))));

      assertEquals(401, rejectionStatus(testKit.runCommand(rotate(hash("rt-1"), hash("x"), LOGIN.plusSeconds(2)))));

      assertEquals("fam-2", successValue(testKit.runCommand(
          rotate(hash("other-1"), hash("other-2"), LOGIN.plusSeconds(3)))).familyId());
    }

    @Test
    void anUnknownTokenIsUnauthorized() {
      assertRejected(testKit.runCommand(rotate(hash("never-issued"), hash("rt-2"), LOGIN.plusSeconds(1))), 401);
      assertFalse(testKit.getState().refreshFamilies().get("fam-1").revoked());
    }

    @Test
    void theAbsoluteLifetimeCountsFromLoginNotFromTheLastRotation() {
      successValue(testKit.runCommand(rotate(hash("rt-1"), hash("rt-2"), LOGIN.plus(Duration.ofDays(29)))));
      Instant justBefore = LOGIN.plus(LIFETIME).minusMillis(1);
      successValue(testKit.runCommand(rotate(hash("rt-2"), hash("rt-3"), justBefore)));
      Instant end = LOGIN.plus(LIFETIME);

      var result = testKit.runCommand(rotate(hash("rt-3"), hash("rt-4"), end));

      assertEquals(401, rejectionStatus(result));
      assertEquals(new FamilyRevoked("fam-1", RevocationReason.EXPIRED, Initiator.system("refresh-token-expiry"), end),
          result.eventOfType(FamilyRevoked.class));
      assertTrue(result.state().refreshFamilies().get("fam-1").revoked());
    }

    @Test
    void aShorterConfiguredLifetimeApplies() {
      var result = testKit.runCommand(rotate(hash("rt-1"), hash("rt-2"), LOGIN.plus(Duration.ofHours(2)),
          Duration.ofHours(1)));

      assertEquals(401, rejectionStatus(result));
      assertEquals(RevocationReason.EXPIRED, result.eventOfType(FamilyRevoked.class).reason());
    }

    @Test
    void withoutAConfiguredLifetimeThirtyDaysApply() {
      successValue(testKit.runCommand(rotate(hash("rt-1"), hash("rt-2"), LOGIN.plus(Duration.ofDays(29)), null)));

      var result = testKit.runCommand(rotate(hash("rt-2"), hash("rt-3"), LOGIN.plus(Duration.ofDays(30)), null));

      assertEquals(RevocationReason.EXPIRED, result.eventOfType(FamilyRevoked.class).reason());
    }

    @Test
    void rotatingToAMalformedOrKnownHashIsRejected() {
      assertRejected(testKit.runCommand(rotate(hash("rt-1"), "ferry_rt_plain", LOGIN.plusSeconds(1))), 422);
      successValue(testKit.runCommand(startSession("fam-2", hash("other-1"), LOGIN)));
      assertRejected(testKit.runCommand(rotate(hash("rt-1"), hash("other-1"), LOGIN.plusSeconds(1))), 409);
      assertRejected(testKit.runCommand(rotate(hash("rt-1"), hash("rt-1"), LOGIN.plusSeconds(1))), 409);
    }

    @Test
    void revokeFamilyLogsOut() {
      var result = testKit.runCommand(revokeFamily("fam-1"));

      assertEquals(Done.getInstance(), successValue(result));
      FamilyRevoked event = result.eventOfType(FamilyRevoked.class);
      assertEquals(new FamilyRevoked("fam-1", RevocationReason.LOGOUT, INITIATOR, event.at()), event);
      assertRejected(testKit.runCommand(rotate(hash("rt-1"), hash("rt-2"), LOGIN.plusSeconds(1))), 401);
    }

    @Test
    void revokingARevokedFamilyIsIdempotent() {
      successValue(testKit.runCommand(revokeFamily("fam-1")));

      var result = testKit.runCommand(revokeFamily("fam-1"));

      successValue(result);
      assertNoEvents(result);
    }

    @Test
    void revokingAnUnknownFamilyIsNotFound() {
      assertRejected(testKit.runCommand(revokeFamily("fam-unknown")), 404);
    }

    @Test
    void revokedFamiliesAreDroppedWhenTheNextSessionStarts() {
      successValue(testKit.runCommand(revokeFamily("fam-1")));

      var result = testKit.runCommand(startSession("fam-2", hash("rt-9"), LOGIN.plusSeconds(5)));

      assertEquals(Set.of("fam-2"), result.state().refreshFamilies().keySet());
    }

    @Test
    void theOldestSessionEndsBeyondTheLimit() {
      for (int i = 2; i <= Account.MAX_SESSIONS; i++) {
        successValue(testKit.runCommand(startSession("fam-" + i, hash("rt-" + i), LOGIN.plusSeconds(i))));
      }
      assertEquals(Account.MAX_SESSIONS, testKit.getState().refreshFamilies().size());

      var result = testKit.runCommand(startSession("fam-new", hash("rt-new"), LOGIN.plusSeconds(1000)));

      successValue(result);
      assertEquals(Account.MAX_SESSIONS, result.state().refreshFamilies().size());
      assertFalse(result.state().refreshFamilies().containsKey("fam-1"));
      assertTrue(result.state().refreshFamilies().containsKey("fam-2"));
      assertRejected(testKit.runCommand(rotate(hash("rt-1"), hash("x"), LOGIN.plusSeconds(1001))), 401);
    }

    @Test
    void aFamilyRemembersABoundedNumberOfUsedTokens() {
      int rotations = Account.USED_HASHES_PER_FAMILY + 5;
      for (int i = 1; i <= rotations; i++) {
        successValue(testKit.runCommand(rotate(hash("rt-" + i), hash("rt-" + (i + 1)), LOGIN.plusSeconds(i))));
      }
      RefreshFamily family = testKit.getState().refreshFamilies().get("fam-1");
      assertEquals(Account.USED_HASHES_PER_FAMILY, family.usedTokenHashes().size());
      assertEquals(hash("rt-" + rotations), family.usedTokenHashes().get(Account.USED_HASHES_PER_FAMILY - 1));

      // Forgotten: too old to tell from a never-issued token, so it is only refused.
      assertRejected(testKit.runCommand(rotate(hash("rt-1"), hash("x"), LOGIN.plusSeconds(100))), 401);
      // Remembered: reuse detected.
      var reuse = testKit.runCommand(rotate(hash("rt-" + rotations), hash("x"), LOGIN.plusSeconds(100)));
      assertEquals(RevocationReason.REUSE_DETECTED, reuse.eventOfType(FamilyRevoked.class).reason());
    }
  }

  /** API tokens of an ACTIVE account. */
  @Nested
  class ApiTokens {

    @BeforeEach
    void signUpAlice() {
      successValue(testKit.runCommand(signUp(USER_ID)));
    }

    @Test
    void createPersistsApiTokenCreated() {
      Instant expiresAt = Instant.now().plus(Duration.ofDays(30));

      var result = testKit.runCommand(createApiToken("tok-1", "  ci  ", hash("pat-1"), expiresAt));

      ApiTokenCreated event = result.eventOfType(ApiTokenCreated.class);
      assertEquals(new ApiTokenCreated("tok-1", "ci", hash("pat-1"), expiresAt, INITIATOR, event.at()), event);
      assertEquals(new ApiTokenInfo("tok-1", "ci", event.at(), expiresAt), successValue(result));
      assertEquals(hash("pat-1"), result.state().apiTokens().get("tok-1").tokenHash());
    }

    @Test
    void createWithoutExpiryNeverExpires() {
      successValue(testKit.runCommand(createApiToken("tok-1", "ci", hash("pat-1"), null)));

      var result = testKit.runCommand(authenticate(hash("pat-1"), Instant.parse("2999-01-01T00:00:00Z")));

      assertEquals(new TokenPrincipal(USER_ID, EMAIL, "tok-1"), successValue(result));
    }

    @Test
    void createRetryIsIdempotent() {
      ApiTokenInfo created = successValue(testKit.runCommand(createApiToken("tok-1", "ci", hash("pat-1"), null)));

      var retry = testKit.runCommand(createApiToken("tok-1", "ci", hash("pat-1"), null));

      assertEquals(created, successValue(retry));
      assertNoEvents(retry);
    }

    @Test
    void createWithATakenIdOrHashConflicts() {
      successValue(testKit.runCommand(createApiToken("tok-1", "ci", hash("pat-1"), null)));

      assertRejected(testKit.runCommand(createApiToken("tok-1", "ci", hash("pat-2"), null)), 409);
      assertRejected(testKit.runCommand(createApiToken("tok-2", "ci", hash("pat-1"), null)), 409);
    }

    @Test
    void createValidatesItsInput() {
      assertRejected(testKit.runCommand(createApiToken(" ", "ci", hash("pat-1"), null)), 422);
      assertRejected(testKit.runCommand(createApiToken("tok-1", "   ", hash("pat-1"), null)), 422);
      assertRejected(testKit.runCommand(createApiToken("tok-1", null, hash("pat-1"), null)), 422);
      assertRejected(testKit.runCommand(createApiToken("tok-1", "n".repeat(Account.MAX_TOKEN_NAME_LENGTH + 1),
          hash("pat-1"), null)), 422);
      assertRejected(testKit.runCommand(createApiToken("tok-1", "ci", "ferry_pat_plain", null)), 422);
      assertRejected(testKit.runCommand(createApiToken("tok-1", "ci", hash("pat-1"),
          Instant.now().minusSeconds(1))), 422);
    }

    @Test
    void anAccountHoldsABoundedNumberOfTokens() {
      for (int i = 0; i < Account.MAX_API_TOKENS; i++) {
        successValue(testKit.runCommand(createApiToken("tok-" + i, "t" + i, hash("pat-" + i), null)));
      }

      assertRejected(testKit.runCommand(createApiToken("tok-x", "one too many", hash("pat-x"), null)), 409);

      successValue(testKit.runCommand(revokeApiToken("tok-0")));
      successValue(testKit.runCommand(createApiToken("tok-x", "one too many", hash("pat-x"), null)));
    }

    @Test
    void listShowsUnrevokedTokensOldestFirst() {
      successValue(testKit.runCommand(createApiToken("tok-1", "ci", hash("pat-1"), null)));
      successValue(testKit.runCommand(createApiToken("tok-2", "deploy", hash("pat-2"), null)));
      successValue(testKit.runCommand(createApiToken("tok-3", "laptop", hash("pat-3"), null)));
      successValue(testKit.runCommand(revokeApiToken("tok-2")));

      var result = testKit.runCommand(ListApiTokens::new);

      assertEquals(List.of("tok-1", "tok-3"),
          successValue(result).tokens().stream().map(ApiTokenInfo::id).toList());
      assertNoEvents(result);
    }

    @Test
    void listOfAnAccountWithoutTokensIsEmpty() {
      assertTrue(successValue(testKit.runCommand(ListApiTokens::new)).tokens().isEmpty());
    }

    @Test
    void revokePersistsApiTokenRevoked() {
      successValue(testKit.runCommand(createApiToken("tok-1", "ci", hash("pat-1"), null)));

      var result = testKit.runCommand(revokeApiToken("tok-1"));

      successValue(result);
      ApiTokenRevoked event = result.eventOfType(ApiTokenRevoked.class);
      assertEquals(new ApiTokenRevoked("tok-1", INITIATOR, event.at()), event);
      assertTrue(result.state().apiTokens().get("tok-1").revoked());
    }

    @Test
    void revokingARevokedTokenIsIdempotent() {
      successValue(testKit.runCommand(createApiToken("tok-1", "ci", hash("pat-1"), null)));
      successValue(testKit.runCommand(revokeApiToken("tok-1")));

      var result = testKit.runCommand(revokeApiToken("tok-1"));

      successValue(result);
      assertNoEvents(result);
    }

    @Test
    void revokingAnUnknownTokenIsNotFound() {
      assertRejected(testKit.runCommand(revokeApiToken("tok-unknown")), 404);
    }

    @Test
    void revokedTokensAreDroppedWhenTheNextOneIsCreated() {
      successValue(testKit.runCommand(createApiToken("tok-1", "ci", hash("pat-1"), null)));
      successValue(testKit.runCommand(revokeApiToken("tok-1")));

      var result = testKit.runCommand(createApiToken("tok-2", "ci", hash("pat-2"), null));

      assertEquals(Set.of("tok-2"), result.state().apiTokens().keySet());
    }

    @Test
    void authenticateAnswersWhoTheTokenStandsFor() {
      Instant expiresAt = Instant.now().plus(Duration.ofDays(1));
      successValue(testKit.runCommand(createApiToken("tok-1", "ci", hash("pat-1"), expiresAt)));

      var result = testKit.runCommand(authenticate(hash("pat-1"), expiresAt.minusMillis(1)));

      assertEquals(new TokenPrincipal(USER_ID, EMAIL, "tok-1"), successValue(result));
      assertNoEvents(result);
    }

    @Test
    void authenticateRefusesExpiredRevokedAndUnknownTokens() {
      Instant expiresAt = Instant.now().plus(Duration.ofDays(1));
      successValue(testKit.runCommand(createApiToken("tok-1", "ci", hash("pat-1"), expiresAt)));
      successValue(testKit.runCommand(createApiToken("tok-2", "ci", hash("pat-2"), null)));
      successValue(testKit.runCommand(revokeApiToken("tok-2")));

      assertRejected(testKit.runCommand(authenticate(hash("pat-1"), expiresAt)), 401);
      assertRejected(testKit.runCommand(authenticate(hash("pat-2"), Instant.now())), 401);
      assertRejected(testKit.runCommand(authenticate(hash("pat-unknown"), Instant.now())), 401);
      assertRejected(testKit.runCommand(authenticate("", Instant.now())), 401);
    }
  }

  private static String hash(String token) {
    return OpaqueTokens.sha256Hex(token);
  }

  private static Function<ActorRef<StatusReply<State>>, Command> signUp(String userId) {
    return signUp(userId, PASSWORD_HASH);
  }

  private static Function<ActorRef<StatusReply<State>>, Command> signUp(String userId, String passwordHash) {
    return replyTo -> new SignUp(userId, passwordHash, Initiator.user(userId), replyTo);
  }

  private static Function<ActorRef<StatusReply<Session>>, Command> startSession(String familyId, String tokenHash,
      Instant at) {
    return replyTo -> new StartSession(familyId, tokenHash, at, INITIATOR, replyTo);
  }

  private static Function<ActorRef<StatusReply<Session>>, Command> rotate(String presented, String next, Instant now) {
    return rotate(presented, next, now, LIFETIME);
  }

  private static Function<ActorRef<StatusReply<Session>>, Command> rotate(String presented, String next, Instant now,
      Duration lifetime) {
    return replyTo -> new RotateRefreshToken(presented, next, now, lifetime, replyTo);
  }

  private static Function<ActorRef<StatusReply<Done>>, Command> revokeFamily(String familyId) {
    return replyTo -> new RevokeFamily(familyId, INITIATOR, replyTo);
  }

  private static Function<ActorRef<StatusReply<ApiTokenInfo>>, Command> createApiToken(String tokenId, String name,
      String tokenHash, Instant expiresAt) {
    return replyTo -> new CreateApiToken(tokenId, name, tokenHash, expiresAt, INITIATOR, replyTo);
  }

  private static Function<ActorRef<StatusReply<Done>>, Command> revokeApiToken(String tokenId) {
    return replyTo -> new RevokeApiToken(tokenId, INITIATOR, replyTo);
  }

  private static Function<ActorRef<StatusReply<TokenPrincipal>>, Command> authenticate(String tokenHash, Instant now) {
    return replyTo -> new AuthenticateApiToken(tokenHash, now, replyTo);
  }
}
