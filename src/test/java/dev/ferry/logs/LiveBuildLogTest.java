package dev.ferry.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.ferry.testing.ProjectionTestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.LongStream;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Followers of a build log get every line exactly once and in order: the stored history first, then the live lines
 * published through a real cluster's distributed pub-sub, with gaps filled from the real (H2, migrated) store — on
 * the writer's node and on another node of the cluster. No timing is asserted here (LiveLogBench measures it).
 */
class LiveBuildLogTest extends ProjectionTestDatabase {

  private static final String ID = "dpl_live";
  private final List<ActorSystem<Void>> systems = new ArrayList<>();
  private BuildLogStore store;
  private final AtomicBoolean finished = new AtomicBoolean();

  @BeforeEach
  void start() {
    store = new BuildLogStore(database.dataSource());
  }

  @AfterEach
  void stop() throws Exception {
    for (ActorSystem<Void> system : systems) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private ActorSystem<Void> node(String name, ActorSystem<Void> seed) throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "live-log", ConfigFactory.parseString("""
            pekko.loglevel = WARNING
            pekko.remote.artery.canonical.port = 0
            pekko.cluster.seed-nodes = []
            pekko.cluster.pub-sub.gossip-interval = 200 ms
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            """).withFallback(ConfigFactory.load()));
    systems.add(system);
    Cluster cluster = Cluster.get(system);
    cluster.manager().tell(Join.create((seed == null ? cluster : Cluster.get(seed)).selfMember().address()));
    TestProbe.create(system).awaitAssert(Duration.ofSeconds(30), () -> {
      assertEquals(MemberStatus.up(), cluster.selfMember().status(), name + " did not come Up");
      return null;
    });
    return system;
  }

  private CompletionStage<List<BuildLogStore.Line>> follow(ActorSystem<Void> system, long after) {
    return new LiveBuildLog(system).follow(ID, after, reader(), () -> CompletableFuture.completedFuture(finished.get()))
        .runWith(Sink.seq(), system);
  }

  private LiveBuildLog.Store reader() {
    return (from, limit) -> CompletableFuture.supplyAsync(() -> {
      try {
        return store.read(ID, from, limit);
      } catch (java.sql.SQLException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /**
   * A build that goes on to line {@code lastSeq}: lines in bursts, flushed every few lines as the worker's timer
   * would; the deployment then finishes and the writer says it flushed its last line.
   */
  private void build(ActorSystem<Void> writerNode, BuildLogStore.Writer writer, long lastSeq) throws Exception {
    for (long seq = writer.lastSeq() + 1; seq <= lastSeq; seq++) {
      writer.append(seq % 2 == 0 ? "stdout" : "stderr", "line " + seq);
      if (seq % 37 == 0) {
        writer.flush();
        Thread.sleep(3);
      }
    }
    writer.flush();
    finished.set(true);
    new LiveBuildLog(writerNode).flushed(ID, writer.lastSeq());
  }

  /** Lines up to {@code lastSeq}, stored. */
  private static void stored(BuildLogStore.Writer writer, long lastSeq) throws Exception {
    for (long seq = writer.lastSeq() + 1; seq <= lastSeq; seq++) {
      writer.append("stdout", "line " + seq);
    }
    writer.flush();
  }

  private BuildLogStore.Writer writer(ActorSystem<Void> system) throws Exception {
    return store.writer(ID, new LiveBuildLog(system).publisher(ID));
  }

  private static void assertSequence(long from, long to, List<BuildLogStore.Line> lines) {
    assertEquals(LongStream.rangeClosed(from, to).boxed().toList(),
        lines.stream().map(BuildLogStore.Line::seq).toList(), "every line once, in order");
    lines.forEach(line -> assertEquals("line " + line.seq(), line.text()));
  }

  @Test
  void historyThenLiveWithoutGapsOrDuplicates() throws Exception {
    ActorSystem<Void> system = node("one", null);
    BuildLogStore.Writer writer = writer(system);
    stored(writer, 100);
    // 101 and 102 are published but not stored yet when the follower starts.
    writer.append("stdout", "line 101");
    writer.append("stdout", "line 102");

    CompletionStage<List<BuildLogStore.Line>> followed = follow(system, 0);
    CompletionStage<List<BuildLogStore.Line>> late = follow(system, 60);
    awaitSubscribers(system, 2);
    build(system, writer, 2000);

    assertSequence(1, 2000, followed.toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertSequence(61, 2000, late.toCompletableFuture().get(30, TimeUnit.SECONDS));
  }

  @Test
  void liveLinesReachTheFollowerBeforeTheyAreStored() throws Exception {
    ActorSystem<Void> system = node("one", null);
    BuildLogStore.Writer writer = writer(system);
    stored(writer, 5);
    List<BuildLogStore.Line> received = java.util.Collections.synchronizedList(new ArrayList<>());
    CompletionStage<org.apache.pekko.Done> done = new LiveBuildLog(system).follow(ID, 0, reader(),
        () -> CompletableFuture.completedFuture(finished.get())).runWith(Sink.foreach(received::add), system);
    awaitSubscribers(system, 1);

    for (int i = 6; i <= 10; i++) {
      writer.append("stdout", "line " + i); // published, not flushed
    }
    TestProbe.create(system).awaitAssert(Duration.ofSeconds(30), () -> {
      assertTrue(received.size() >= 10, "live lines arrived: " + received);
      return null;
    });
    assertEquals(5, store.read(ID, 0, 100).size(), "lines 6 to 10 are not stored yet");
    build(system, writer, 10);
    done.toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertSequence(1, 10, received);
  }

  private static void awaitSubscribers(ActorSystem<Void> system, int followers) {
    org.apache.pekko.actor.ActorRef mediator = org.apache.pekko.cluster.pubsub.DistributedPubSub.get(
        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system)).mediator();
    TestProbe.create(system).awaitAssert(Duration.ofSeconds(30), () -> {
      int subscribed = org.apache.pekko.pattern.Patterns.ask(mediator,
          new org.apache.pekko.cluster.pubsub.DistributedPubSubMediator.CountSubscribers(LiveBuildLog.topic(ID)),
          Duration.ofSeconds(5)).thenApply(count -> (Integer) count).toCompletableFuture().join();
      assertTrue(subscribed >= followers, "the followers subscribed: " + subscribed);
      return null;
    });
  }

  @Test
  void linesPubSubDoesNotDeliverAreFilledFromTheStore() throws Exception {
    ActorSystem<Void> system = node("one", null);
    Consumer<BuildLogStore.Line> publish = new LiveBuildLog(system).publisher(ID);
    // Every third line is lost on its way (as for a follower whose buffer overflowed).
    BuildLogStore.Writer writer = store.writer(ID, line -> {
      if (line.seq() % 3 != 0) {
        publish.accept(line);
      }
    });
    CompletionStage<List<BuildLogStore.Line>> followed = follow(system, 0);
    awaitSubscribers(system, 1);

    build(system, writer, 1500);

    assertSequence(1, 1500, followed.toCompletableFuture().get(30, TimeUnit.SECONDS));
  }

  @Test
  void aFollowerOnAnotherNodeGetsEveryLine() throws Exception {
    ActorSystem<Void> writerNode = node("writer", null);
    ActorSystem<Void> followerNode = node("follower", writerNode);
    BuildLogStore.Writer writer = writer(writerNode);
    CompletionStage<List<BuildLogStore.Line>> followed = follow(followerNode, 0);

    for (int burst = 1; burst <= 10; burst++) {
      stored(writer, burst * 50L);
      Thread.sleep(100); // long enough, in all, for the subscription to reach the writer's node
    }
    build(writerNode, writer, 600);

    assertSequence(1, 600, followed.toCompletableFuture().get(30, TimeUnit.SECONDS));
  }

  @Test
  void aFollowerEndsWithoutTheWritersWordOnceTheDeploymentHasFinished() throws Exception {
    ActorSystem<Void> system = node("one", null);
    stored(writer(system), 20);
    finished.set(true); // the writer's node died: no Flushed will come

    assertSequence(1, 20, follow(system, 0).toCompletableFuture().get(30, TimeUnit.SECONDS));
  }
}
