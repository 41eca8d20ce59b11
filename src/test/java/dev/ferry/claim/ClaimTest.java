package dev.ferry.claim;

import static dev.ferry.testing.EntityTests.assertNoEvents;
import static dev.ferry.testing.EntityTests.errorMessage;
import static dev.ferry.testing.EntityTests.successValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ferry.claim.Claim.Acquire;
import dev.ferry.common.Rejection;
import dev.ferry.claim.Claim.Acquired;
import dev.ferry.claim.Claim.Command;
import dev.ferry.claim.Claim.Event;
import dev.ferry.claim.Claim.GetOwner;
import dev.ferry.claim.Claim.Release;
import dev.ferry.claim.Claim.Released;
import dev.ferry.claim.Claim.State;
import dev.ferry.common.Initiator;
import dev.ferry.testing.EntityTests;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ClaimTest {

  private static final String ALICE = "usr_alice";
  private static final String BOB = "usr_bob";
  private static final Initiator INITIATOR = Initiator.user(ALICE);

  private static final ActorTestKit actorTestKit = EntityTests.actorTestKit(ClaimTest.class);
  private static final EventSourcedBehaviorTestKit<Command, Event, State> testKit =
      EntityTests.eventSourcedTestKit(actorTestKit, Claim.create(Claim.entityId(Claim.PROJECT_NAME, "my-app")));

  @AfterAll
  static void shutdown() {
    actorTestKit.shutdownTestKit();
  }

  @BeforeEach
  void clear() {
    testKit.clear();
  }

  @Test
  void entityIdIsNamespaceAndKey() {
    assertEquals("project-name:my-app", Claim.entityId(Claim.PROJECT_NAME, "my-app"));
  }

  @Nested
  class WhenFree {

    @Test
    void acquirePersistsAcquired() {
      var result = testKit.runCommand(acquire(ALICE));

      successValue(result);
      Acquired event = result.eventOfType(Acquired.class);
      assertEquals(ALICE, event.owner());
      assertEquals(INITIATOR, event.initiator());
      assertNotNull(event.at());
      assertEquals(ALICE, result.state().owner());
    }

    @Test
    void releaseIsAcknowledgedWithoutEvent() {
      var result = testKit.runCommand(release(ALICE));

      successValue(result);
      assertNoEvents(result);
      assertNull(result.state().owner());
    }

    @Test
    void getOwnerAnswersFree() {
      var result = testKit.runCommand(GetOwner::new);

      assertEquals(404, Rejection.status(errorMessage(result)));
      assertNoEvents(result);
    }
  }

  @Nested
  class WhenHeld {

    @BeforeEach
    void acquireByAlice() {
      successValue(testKit.runCommand(acquire(ALICE)));
    }

    @Test
    void acquireBySameOwnerIsIdempotent() {
      var result = testKit.runCommand(acquire(ALICE));

      successValue(result);
      assertNoEvents(result);
      assertEquals(ALICE, result.state().owner());
    }

    @Test
    void acquireByAnotherOwnerIsTaken() {
      var result = testKit.runCommand(acquire(BOB));

      assertEquals(409, Rejection.status(errorMessage(result)));
      assertNoEvents(result);
      assertEquals(ALICE, result.state().owner());
    }

    @Test
    void releaseByOwnerPersistsReleasedAndFreesTheClaim() {
      var result = testKit.runCommand(release(ALICE));

      successValue(result);
      Released event = result.eventOfType(Released.class);
      assertEquals(ALICE, event.owner());
      assertEquals(INITIATOR, event.initiator());
      assertNotNull(event.at());
      assertNull(result.state().owner());

      var reacquired = testKit.runCommand(acquire(BOB));
      successValue(reacquired);
      assertEquals(BOB, reacquired.state().owner());
    }

    @Test
    void releaseByAnotherOwnerIsRejected() {
      var result = testKit.runCommand(release(BOB));

      errorMessage(result);
      assertNoEvents(result);
      assertEquals(ALICE, result.state().owner());
    }

    @Test
    void getOwnerAnswersTheOwner() {
      var result = testKit.runCommand(GetOwner::new);

      assertEquals(ALICE, successValue(result));
      assertNoEvents(result);
    }

    @Test
    void restartKeepsTheOwner() {
      assertEquals(ALICE, testKit.restart().state().owner());
      assertEquals(ALICE, successValue(testKit.runCommand(GetOwner::new)));
    }

    @Test
    void restartAfterReleaseKeepsTheClaimFree() {
      successValue(testKit.runCommand(release(ALICE)));

      assertNull(testKit.restart().state().owner());
    }
  }

  private static Function<ActorRef<StatusReply<Done>>, Command> acquire(String owner) {
    return replyTo -> new Acquire(owner, INITIATOR, replyTo);
  }

  private static Function<ActorRef<StatusReply<Done>>, Command> release(String owner) {
    return replyTo -> new Release(owner, INITIATOR, replyTo);
  }
}
