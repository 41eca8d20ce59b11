package dev.ferry.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ferry.common.Rejection;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;

/** Shared set-up and assertions for the event-sourced entity tests. */
public final class EntityTests {

  private EntityTests() {}

  /**
   * The persistence testkit's in-memory journal and snapshot store, a local actor system and Ferry's Jackson CBOR
   * bindings. Not application.conf: that one starts a cluster and binds remoting ports.
   */
  public static Config config() {
    return EventSourcedBehaviorTestKit.config()
        .withFallback(ConfigFactory.parseString("pekko.actor.provider = local"))
        .withFallback(ConfigFactory.parseResources("serialization.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  public static ActorTestKit actorTestKit(Class<?> testClass) {
    return ActorTestKit.create(testClass.getSimpleName(), config());
  }

  /** Every command, event and state goes through Jackson CBOR and must come back equal to the original. */
  public static <C, E, S> EventSourcedBehaviorTestKit<C, E, S> eventSourcedTestKit(
      ActorTestKit actorTestKit, Behavior<C> behavior) {
    return EventSourcedBehaviorTestKit.create(actorTestKit.system(), behavior,
        EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyEquality(true));
  }

  /** The value of a successful reply; fails the test on an error reply. */
  public static <T> T successValue(CommandResultWithReply<?, ?, ?, StatusReply<T>> result) {
    StatusReply<T> reply = result.reply();
    assertTrue(reply.isSuccess(),
        () -> result.command() + " was rejected: " + reply.getError().getMessage());
    return reply.getValue();
  }

  /** The message of an error reply; fails the test on a successful reply. */
  public static String errorMessage(CommandResultWithReply<?, ?, ?, ? extends StatusReply<?>> result) {
    StatusReply<?> reply = result.reply();
    assertTrue(reply.isError(), () -> result.command() + " should be rejected but answered " + reply.getValue());
    return reply.getError().getMessage();
  }

  /** The HTTP status of a {@link Rejection} reply (500 for any other error); fails the test on a successful reply. */
  public static int rejectionStatus(CommandResultWithReply<?, ?, ?, ? extends StatusReply<?>> result) {
    return Rejection.status(errorMessage(result));
  }

  /** The command was answered with a {@link Rejection} of {@code status} and persisted nothing. */
  public static void assertRejected(CommandResultWithReply<?, ?, ?, ? extends StatusReply<?>> result, int status) {
    assertEquals(status, rejectionStatus(result), () -> result.command() + " answered " + errorMessage(result));
    assertNoEvents(result);
  }

  public static void assertNoEvents(CommandResultWithReply<?, ?, ?, ?> result) {
    assertTrue(result.hasNoEvents(), () -> result.command() + " persisted " + result.events());
  }
}
