package dev.ferry.logs;

import dev.ferry.common.CborSerializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.pubsub.DistributedPubSub;
import org.apache.pekko.cluster.pubsub.DistributedPubSubMediator;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Build log lines pushed to their followers as they are printed, on whichever node the follower is: the writer
 * publishes every line it appends to the deployment's topic of Pekko's distributed pub-sub (and still stores it in
 * batches), and a follower subscribes, reads what the store has, then takes the live lines.
 *
 * <p>Sequence numbers make the switch from history to live exact: a live line already read from the store is
 * dropped, and a gap (lines published before the subscription reached the writer's node — the registry is gossiped
 * — or dropped for a follower too slow to take them) is filled from the store, the live lines after it waiting
 * until it is. Until the first live line arrives the store is polled as often as the writer flushes, so a follower
 * never depends on pub-sub alone; afterwards it is read once a second as a safety net. The follow ends once the
 * deployment has finished and the store has nothing more, as soon as the writer said it flushed its last line (or
 * a grace period later, should the writer's node have died).
 */
public final class LiveBuildLog {

  /** The writer's flush interval: a line is in the store this long after it was printed, at most. */
  static final Duration POLL = Duration.ofMillis(25);
  static final Duration SAFETY_POLL = Duration.ofSeconds(1);
  static final Duration FINISHED_CHECK = Duration.ofMillis(250);
  static final Duration END_GRACE = Duration.ofSeconds(1);
  static final int BUFFER = 10_000;
  static final int BATCH = 1000;

  /** The writer stored its last line (for now: a build that lost its lease does not end the deployment). */
  public record Flushed(long lastSeq) implements CborSerializable {}

  /** Reads at most {@code limit} stored lines after a sequence number, in order. */
  @FunctionalInterface
  public interface Store {
    CompletionStage<List<BuildLogStore.Line>> read(long afterSeq, int limit);
  }

  private final ActorSystem<?> system;
  private volatile ActorRef mediator;

  public LiveBuildLog(ActorSystem<?> system) {
    this.system = system;
  }

  /** Pub-sub's mediator, started on first use (it needs the cluster, which a route test's system may not have). */
  private ActorRef mediator() {
    ActorRef started = mediator;
    if (started == null) {
      started = DistributedPubSub.get(Adapter.toClassic(system)).mediator();
      mediator = started;
    }
    return started;
  }

  static String topic(String deploymentId) {
    return "build-log:" + deploymentId;
  }

  /** What a writer calls with every line it appends. */
  public Consumer<BuildLogStore.Line> publisher(String deploymentId) {
    String topic = topic(deploymentId);
    return line -> mediator().tell(new DistributedPubSubMediator.Publish(topic, line), ActorRef.noSender());
  }

  /** Tells followers the writer has flushed its last line. */
  public void flushed(String deploymentId, long lastSeq) {
    mediator().tell(new DistributedPubSubMediator.Publish(topic(deploymentId), new Flushed(lastSeq)),
        ActorRef.noSender());
  }

  /**
   * The log after {@code afterSeq}, live, until the deployment has finished.
   *
   * @param finished whether the deployment has finished (its build will write no more lines)
   */
  public Source<BuildLogStore.Line, NotUsed> follow(String deploymentId, long afterSeq, Store store,
      Supplier<CompletionStage<Boolean>> finished) {
    return Source.<BuildLogStore.Line, NotUsed>fromMaterializer((materializer, attributes) -> {
      Follower follower = new Follower(afterSeq, store, finished);
      Source<Object, NotUsed> live = Source.<Object>actorRef(message -> Optional.empty(), message -> Optional.empty(),
          BUFFER, OverflowStrategy.dropHead())
          .mapMaterializedValue(ref -> {
            // The acknowledgement comes back into the stream: the first read of the store happens then.
            mediator().tell(new DistributedPubSubMediator.Subscribe(topic(deploymentId), ref), ref);
            return NotUsed.notUsed();
          });
      return live.merge(Source.tick(POLL, POLL, (Object) Tick.TICK))
          .mapAsync(1, follower::on)
          .takeWhile(step -> !step.done(), true)
          .mapConcat(Step::lines);
    }).mapMaterializedValue(ignored -> NotUsed.notUsed());
  }

  private enum Tick { TICK }

  private record Step(List<BuildLogStore.Line> lines, boolean done) {
    static final Step NOTHING = new Step(List.of(), false);
  }

  /** One follower's position; its events arrive one at a time (mapAsync with parallelism 1). */
  static final class Follower {
    private final Store store;
    private final Supplier<CompletionStage<Boolean>> finished;
    /** Live lines that came before the ones the follower still lacks. */
    private final TreeMap<Long, BuildLogStore.Line> early = new TreeMap<>();
    private long last;
    private boolean live;
    private boolean flushed;
    private long lastRead;
    private long lastFinishedCheck;
    private long finishedSince = -1;

    Follower(long afterSeq, Store store, Supplier<CompletionStage<Boolean>> finished) {
      this.last = afterSeq;
      this.store = store;
      this.finished = finished;
      this.lastRead = System.nanoTime();
      this.lastFinishedCheck = lastRead;
    }

    CompletionStage<Step> on(Object event) {
      long now = System.nanoTime();
      if (event instanceof BuildLogStore.Line line) {
        if (line.seq() <= last) {
          return done(Step.NOTHING);
        }
        live = true;
        if (line.seq() == last + 1 && early.isEmpty()) {
          last = line.seq();
          return done(new Step(List.of(line), false));
        }
        early.put(line.seq(), line);
        return catchUp(now, false);
      }
      boolean nudged = !(event instanceof Tick);
      if (event instanceof Flushed) {
        flushed = true;
      }
      boolean checkFinished = nudged || now - lastFinishedCheck >= FINISHED_CHECK.toNanos();
      // Once live, the store is read for gaps, as a safety net, and (after the writer's last flush) for the end.
      boolean due = nudged || !live || !early.isEmpty() || now - lastRead >= SAFETY_POLL.toNanos()
          || (flushed && checkFinished);
      if (!due) {
        return done(Step.NOTHING);
      }
      return catchUp(now, checkFinished);
    }

    /** Reads the store after the last line sent, then takes the early live lines that continue it. */
    private CompletionStage<Step> catchUp(long now, boolean checkFinished) {
      lastRead = now;
      List<BuildLogStore.Line> out = new ArrayList<>();
      return readAll(out).thenCompose(ignored -> {
        while (!early.isEmpty() && early.firstKey() <= last + 1) {
          BuildLogStore.Line line = early.pollFirstEntry().getValue();
          if (line.seq() == last + 1) {
            out.add(line);
            last = line.seq();
          }
        }
        if (!out.isEmpty() || !early.isEmpty() || !checkFinished) {
          return done(new Step(out, false));
        }
        lastFinishedCheck = System.nanoTime();
        return finished.get().thenApply(isFinished -> {
          if (!isFinished) {
            finishedSince = -1;
            return Step.NOTHING;
          }
          long at = System.nanoTime();
          if (finishedSince < 0) {
            finishedSince = at;
          }
          // Lines written with the outcome may still be on their way to the store: the writer says when they are.
          return new Step(List.of(), flushed || at - finishedSince >= END_GRACE.toNanos());
        });
      });
    }

    private CompletionStage<Void> readAll(List<BuildLogStore.Line> out) {
      return store.read(last, BATCH).thenCompose(lines -> {
        for (BuildLogStore.Line line : lines) {
          if (line.seq() > last) {
            out.add(line);
            last = line.seq();
          }
        }
        return lines.size() < BATCH ? CompletableFuture.<Void>completedFuture(null) : readAll(out);
      });
    }

    private static CompletionStage<Step> done(Step step) {
      return CompletableFuture.completedFuture(step);
    }
  }
}
