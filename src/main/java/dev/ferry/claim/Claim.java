package dev.ferry.claim;

import dev.ferry.common.CborSerializable;
import dev.ferry.common.Initiator;
import dev.ferry.common.FerryEntity;
import dev.ferry.common.Rejection;
import java.time.Instant;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * A single-writer lock on a name (id = {@code namespace:key}): e-mail addresses, project names, custom domains,
 * webhook deliveries. Sharding guarantees one live instance per id in the cluster, so whoever holds the claim owns
 * the name.
 */
public final class Claim
    extends FerryEntity<Claim.Command, Claim.Event, Claim.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Claim");

  public static final String PROJECT_NAME = "project-name";
  public static final String DOMAIN = "domain";

  public sealed interface Command extends CborSerializable {}

  /** Succeeds when the claim is free or already held by {@code owner} (idempotent retries). */
  public record Acquire(String owner, Initiator initiator, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Frees the claim; only its owner can. Releasing a free claim succeeds. */
  public record Release(String owner, Initiator initiator, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  public record GetOwner(ActorRef<StatusReply<String>> replyTo) implements Command {}

  public sealed interface Event extends CborSerializable {}

  public record Acquired(String owner, Initiator initiator, Instant at) implements Event {}

  public record Released(String owner, Initiator initiator, Instant at) implements Event {}

  /** {@code owner} is null while the claim is free. */
  public record State(String owner) implements CborSerializable {
    boolean isHeldBy(String candidate) {
      return candidate.equals(owner);
    }
  }

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId())));
  }

  public static String entityId(String namespace, String key) {
    return namespace + ":" + key;
  }

  public static Behavior<Command> create(String claimId) {
    return new Claim(claimId);
  }

  private Claim(String claimId) {
    super(ENTITY_KEY, claimId);
  }

  @Override
  public State emptyState() {
    return new State(null);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder.forState(state -> state.owner() == null)
        .onCommand(Acquire.class, (state, cmd) -> Effect()
            .persist(new Acquired(cmd.owner(), cmd.initiator(), Instant.now()))
            .thenReply(cmd.replyTo(), s -> StatusReply.ack()))
        .onCommand(Release.class, (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.ack()));
    builder.forAnyState()
        .onCommand(Acquire.class, this::acquireHeld)
        .onCommand(Release.class, this::releaseHeld)
        .onCommand(GetOwner.class, (state, cmd) -> Effect().reply(cmd.replyTo(),
            state.owner() == null ? Rejection.notFound("The name is not claimed") : StatusReply.success(state.owner())));
    return builder.build();
  }

  private ReplyEffect<Event, State> acquireHeld(State state, Acquire cmd) {
    if (state.isHeldBy(cmd.owner())) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    return Effect().reply(cmd.replyTo(), Rejection.conflict("The name is taken"));
  }

  private ReplyEffect<Event, State> releaseHeld(State state, Release cmd) {
    if (!state.isHeldBy(cmd.owner())) {
      return Effect().reply(cmd.replyTo(), Rejection.conflict("The claim is held by another owner"));
    }
    return Effect()
        .persist(new Released(cmd.owner(), cmd.initiator(), Instant.now()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(Acquired.class, (state, event) -> new State(event.owner()))
        .onEvent(Released.class, (state, event) -> new State(null))
        .build();
  }

}
