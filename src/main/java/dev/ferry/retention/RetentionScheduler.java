package dev.ferry.retention;

import dev.ferry.common.CborSerializable;
import dev.ferry.common.Rejection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link Retention} on one node of the cluster (a cluster singleton): every {@code interval} when enabled, and
 * whenever an administrator asks ({@link RunNow}). One run at a time; asking during a run is refused.
 */
public final class RetentionScheduler {

  private static final Logger log = LoggerFactory.getLogger(RetentionScheduler.class);

  public sealed interface Command extends CborSerializable {}

  /** Runs retention now and answers its report. */
  public record RunNow(ActorRef<StatusReply<Retention.Report>> replyTo) implements Command {}

  private record Tick() implements Command {}

  private record Finished(Retention.Report report, Throwable failure, ActorRef<StatusReply<Retention.Report>> replyTo)
      implements Command {}

  private RetentionScheduler() {}

  /** Starts the singleton (on the oldest node) and answers a proxy to it. */
  public static ActorRef<Command> init(ActorSystem<?> system, Retention retention) {
    Behavior<Command> behavior = Behaviors.<Command>supervise(create(retention)).onFailure(SupervisorStrategy.restart());
    return ClusterSingleton.get(system).init(SingletonActor.of(behavior, "retention"));
  }

  static Behavior<Command> create(Retention retention) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      if (retention.settings().enabled()) {
        timers.startTimerWithFixedDelay(new Tick(), retention.settings().interval());
      }
      return idle(context, retention);
    }));
  }

  private static Behavior<Command> idle(ActorContext<Command> context, Retention retention) {
    return Behaviors.receive(Command.class)
        .onMessage(Tick.class, tick -> start(context, retention, null))
        .onMessage(RunNow.class, run -> start(context, retention, run.replyTo()))
        .onMessage(Finished.class, finished -> Behaviors.same())
        .build();
  }

  private static Behavior<Command> start(ActorContext<Command> context, Retention retention,
      ActorRef<StatusReply<Retention.Report>> replyTo) {
    Executor blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    context.pipeToSelf(CompletableFuture.supplyAsync(() -> {
      try {
        return retention.run();
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    }, blocking), (report, failure) -> new Finished(report, failure, replyTo));
    return running(context, retention);
  }

  private static Behavior<Command> running(ActorContext<Command> context, Retention retention) {
    return Behaviors.receive(Command.class)
        .onMessage(Tick.class, tick -> Behaviors.same())
        .onMessage(RunNow.class, run -> {
          run.replyTo().tell(Rejection.conflict("Retention is running already; ask again when it is done"));
          return Behaviors.same();
        })
        .onMessage(Finished.class, finished -> {
          if (finished.failure() != null) {
            Throwable cause = finished.failure().getCause() != null ? finished.failure().getCause()
                : finished.failure();
            log.error("Retention failed: {}", cause.toString(), cause);
            if (finished.replyTo() != null) {
              finished.replyTo().tell(StatusReply.error("Retention failed: " + cause.getMessage()));
            }
          } else if (finished.replyTo() != null) {
            finished.replyTo().tell(StatusReply.success(finished.report()));
          }
          return idle(context, retention);
        })
        .build();
  }
}
