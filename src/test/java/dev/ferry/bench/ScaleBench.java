package dev.ferry.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ferry.FerryNode;
import dev.ferry.Main;
import dev.ferry.common.Ids;
import dev.ferry.common.Initiator;
import dev.ferry.db.Database;
import dev.ferry.db.Sql;
import dev.ferry.deployment.Deployment;
import dev.ferry.project.Project;
import dev.ferry.project.ProjectSettings;
import dev.ferry.routing.Hosts;
import dev.ferry.routing.RouteTable;
import dev.ferry.secrets.MasterKeyring;
import dev.ferry.secrets.SecretBox;
import dev.ferry.testing.EmbeddedPostgresServer;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ferry at scale on a real PostgreSQL (embedded server binaries): projects and deployments created through the sharded
 * entities as the API creates them (a project's {@code Create}; a deployment's {@code RequestDeployment} on its project
 * and {@code Create} on the deployment), then entity recovery with and without snapshots, host resolution in the
 * route table holding every host, and the heap each route entry takes. {@code mvn -Pbench test -Dtest=ScaleBench}.
 *
 * <p>Size: {@code -Dbench.projects=10000 -Dbench.deployments=100000} (the defaults), commands in flight
 * {@code -Dbench.concurrency=64}, and the events of the entity recovered with and without snapshots
 * {@code -Dbench.history=1000}.
 */
class ScaleBench {

  static {
    // As a node's Main does (see there): asynchronous completions on the common pool, not a thread each.
    Main.commonPoolOfTwoOrMore();
  }

  private static final int PROJECTS = Integer.getInteger("bench.projects", 10_000);
  private static final int DEPLOYMENTS = Integer.getInteger("bench.deployments", 100_000);
  private static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 64);
  private static final int HISTORY = Integer.getInteger("bench.history", 1_000);
  private static final int LOOKUPS = 1_000_000;
  private static final int RECOVERY_WARMUP = 30;
  private static final int RECOVERY_ROUNDS = 15;
  private static final Duration ASK = Duration.ofSeconds(60);
  private static final Initiator BENCH = Initiator.system("bench");
  private static final java.time.Instant VERSION = java.time.Instant.parse("2026-11-28T12:00:00Z");

  @TempDir
  Path dataDir;

  @Test
  void projectsAndDeploymentsThroughTheEntitiesOnPostgres() throws Exception {
    try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start()) {
      String url = postgres.createDatabase("bench");
      Database database = Database.open(url, EmbeddedPostgresServer.USER, EmbeddedPostgresServer.PASSWORD, 4);
      database.migrate();
      Config config = FerryNode.configuration(ConfigFactory.parseMap(Map.of(
          "ferry.db.url", url,
          "ferry.db.user", EmbeddedPostgresServer.USER,
          "ferry.db.password", EmbeddedPostgresServer.PASSWORD,
          "ferry.data-dir", dataDir.toString(),
          "pekko.remote.artery.canonical.port", 0,
          "pekko.loglevel", "WARNING"))
          .withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "ferry", config);
      try {
        run(system, database.dataSource());
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        database.close();
      }
    }
  }

  private void run(ActorSystem<Void> system, DataSource db) throws Exception {
    Cluster cluster = Cluster.get(system);
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    while (cluster.selfMember().status() != MemberStatus.up()) {
      Thread.sleep(50);
    }
    Project.init(system);
    Deployment.init(system);
    ClusterSharding sharding = ClusterSharding.get(system);
    byte[] masterKey = new byte[MasterKeyring.KEY_BYTES];
    new SecureRandom().nextBytes(masterKey);
    SecretBox secrets = new SecretBox(MasterKeyring.of(masterKey));
    System.out.printf("%nScaleBench: %,d projects, %,d deployments, %d commands in flight, PostgreSQL (embedded), "
        + "common pool of %d%n", PROJECTS, DEPLOYMENTS, CONCURRENCY, ForkJoinPool.getCommonPoolParallelism());

    // Projects: one Create each.
    String[] projectIds = new String[PROJECTS];
    long eventsBefore = events(db);
    long started = System.nanoTime();
    inFlight("projects", PROJECTS, i -> {
      projectIds[i] = Ids.projectId();
      return sharding.entityRefFor(Project.ENTITY_KEY, projectIds[i]).<Project.State>askWithStatus(
          replyTo -> new Project.Create("p" + i, "bench-owner", settings(), secrets.newDataKey(), BENCH, replyTo),
          ASK);
    });
    report("projects", PROJECTS, started, events(db) - eventsBefore);

    // Deployments: RequestDeployment on the project, then Create on the new deployment (two commands each).
    String[] deploymentIds = new String[DEPLOYMENTS];
    eventsBefore = events(db);
    started = System.nanoTime();
    inFlight("deployments", DEPLOYMENTS, i -> {
      deploymentIds[i] = Ids.deploymentId();
      return requestDeployment(sharding, projectIds[i % PROJECTS], deploymentIds[i]);
    });
    report("deployments", 2L * DEPLOYMENTS, started, events(db) - eventsBefore);
    assertEquals(PROJECTS + 2L * DEPLOYMENTS, events(db), "one event per command");

    recovery(system, sharding, db, projectIds);
    routeTable(system, projectIds, deploymentIds);
  }

  private static CompletionStage<Deployment.State> requestDeployment(ClusterSharding sharding, String projectId,
      String deploymentId) {
    return sharding.entityRefFor(Project.ENTITY_KEY, projectId).<Project.DeploymentTicket>askWithStatus(
            replyTo -> new Project.RequestDeployment(deploymentId, Deployment.PREVIEW, BENCH, replyTo), ASK)
        .thenCompose(ticket -> sharding.entityRefFor(Deployment.ENTITY_KEY, deploymentId)
            .<Deployment.State>askWithStatus(replyTo -> new Deployment.Create(ticket.projectId(),
                ticket.projectName(), ticket.number(), Deployment.PREVIEW, Deployment.Source.git("feature"),
                ticket.settings(), BENCH, replyTo), ASK));
  }

  /** Recovery of typical projects, and of one with a long history with its snapshots and without them. */
  private void recovery(ActorSystem<Void> system, ClusterSharding sharding, DataSource db, String[] projectIds)
      throws Exception {
    Random random = new Random(7);
    int samples = Math.min(200, PROJECTS);
    long total = 0;
    for (int i = 0; i < samples; i++) {
      total += recoverNanos(system, projectIds[random.nextInt(PROJECTS)]);
    }
    long eventsPerProject = 1 + DEPLOYMENTS / PROJECTS;
    System.out.printf("  recovery of a project (~%d events, no snapshot): %.2f ms on average over %d%n",
        eventsPerProject, total / 1e6 / samples, samples);

    // Two projects with the same long history; one loses its snapshots. Their recoveries alternate, so both see the
    // same machine, and the first rounds only warm both paths up (the JIT compiles the snapshot's deserializer only
    // after it has run a few times: cold, it made loading one snapshot look slower than replaying 1,000 events).
    String withSnapshots = projectIds[0];
    String withoutSnapshots = projectIds[1 % PROJECTS];
    for (String project : List.of(withSnapshots, withoutSnapshots)) {
      inFlight(HISTORY, i -> sharding.entityRefFor(Project.ENTITY_KEY, project)
          .<Project.DeploymentTicket>askWithStatus(replyTo -> new Project.RequestDeployment(Ids.deploymentId(),
              Deployment.PREVIEW, BENCH, replyTo), ASK));
    }
    long snapshotSequence = Sql.query(db, "SELECT COALESCE(MAX(sequence_number), 0) FROM snapshot "
        + "WHERE persistence_id = ?", r -> r.getLong(1), "Project|" + withSnapshots).get(0);
    long historyEvents = Sql.query(db, "SELECT MAX(sequence_number) FROM event_journal WHERE persistence_id = ?",
        r -> r.getLong(1), "Project|" + withSnapshots).get(0);
    assertTrue(snapshotSequence > historyEvents - 100, "the entity snapshots every 100 events: " + snapshotSequence);
    // A snapshot is saved after the reply to the command that triggered it: wait for the last one before deleting,
    // or it lands afterwards and both projects recover from a snapshot (an earlier version of this bench did).
    long lastSnapshot = Sql.query(db, "SELECT MAX(sequence_number) FROM event_journal WHERE persistence_id = ?",
        r -> r.getLong(1), "Project|" + withoutSnapshots).get(0) / 100 * 100;
    while (Sql.query(db, "SELECT COALESCE(MAX(sequence_number), 0) FROM snapshot WHERE persistence_id = ?",
        r -> r.getLong(1), "Project|" + withoutSnapshots).get(0) < lastSnapshot) {
      Thread.sleep(20);
    }
    Sql.update(db, "DELETE FROM snapshot WHERE persistence_id = ?", "Project|" + withoutSnapshots);
    for (int i = 0; i < RECOVERY_WARMUP; i++) {
      recoverNanos(system, withSnapshots);
      recoverNanos(system, withoutSnapshots);
    }
    long[] fromSnapshot = new long[RECOVERY_ROUNDS];
    long[] fromEvents = new long[fromSnapshot.length];
    long reappeared = 0;
    for (int i = 0; i < fromSnapshot.length; i++) {
      fromSnapshot[i] = recoverNanos(system, withSnapshots);
      // Whatever snapshot the project has by now goes first, so this recovery replays every event.
      reappeared += Sql.update(db, "DELETE FROM snapshot WHERE persistence_id = ?", "Project|" + withoutSnapshots);
      fromEvents[i] = recoverNanos(system, withoutSnapshots);
    }
    if (reappeared > 0) {
      System.out.printf("  (%d snapshots of the project without snapshots had to be deleted again)%n", reappeared);
    }
    System.out.printf("  recovery of a project with %,d events (median of %d after %d warm-up rounds): %.2f ms from "
        + "its snapshot at event %,d, %.2f ms replaying every event%n", historyEvents, fromSnapshot.length,
        RECOVERY_WARMUP, median(fromSnapshot) / 1e6, snapshotSequence, median(fromEvents) / 1e6);

    // The snapshot is what recovery starts from: without the events it covers, the state is still whole.
    long deploymentsBefore = recover(system, withSnapshots).deploymentCount();
    Sql.update(db, "DELETE FROM event_journal WHERE persistence_id = ? AND sequence_number <= ?",
        "Project|" + withSnapshots, snapshotSequence);
    assertEquals(deploymentsBefore, recover(system, withSnapshots).deploymentCount(),
        "recovery starts from the snapshot, not from the first event");
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static int recoveries;

  /**
   * A fresh instance of the entity (outside sharding, as the child of a probe: it only reads) recovers and answers
   * Get; the probe stops, and the entity with it.
   */
  private static long recoverNanos(ActorSystem<Void> system, String projectId) throws Exception {
    long started = System.nanoTime();
    recover(system, projectId);
    return System.nanoTime() - started;
  }

  private static Project.State recover(ActorSystem<Void> system, String projectId) throws Exception {
    CompletableFuture<Project.State> recovered = new CompletableFuture<>();
    system.systemActorOf(Behaviors.<StatusReply<Project.State>>setup(context -> {
      context.spawn(Project.create(projectId), "entity").tell(new Project.Get(context.getSelf()));
      return Behaviors.receiveMessage(reply -> {
        if (reply.isSuccess()) {
          recovered.complete(reply.getValue());
        } else {
          recovered.completeExceptionally(new AssertionError("Get failed: " + reply.getError()));
        }
        return Behaviors.stopped();
      });
    }), "recovery-" + recoveries++, Props.empty());
    return recovered.get(ASK.toSeconds(), TimeUnit.SECONDS);
  }

  /** Every production and deployment host in the replicated route table: heap per entry, lookup latency. */
  private void routeTable(ActorSystem<Void> system, String[] projectIds, String[] deploymentIds) throws Exception {
    Hosts hosts = new Hosts("ferry.example", "https", 443);
    List<String> names = new ArrayList<>(PROJECTS + DEPLOYMENTS);
    for (int i = 0; i < PROJECTS; i++) {
      names.add(hosts.production("p" + i));
    }
    for (int i = 0; i < DEPLOYMENTS; i++) {
      names.add(hosts.deployment("p" + (i % PROJECTS), deploymentIds[i]));
    }
    long heapBefore = usedHeap();
    AtomicReference<List<RouteTable.Route>> routes = new AtomicReference<>(new ArrayList<>());
    for (int i = 0; i < names.size(); i++) {
      // The table's own copies of the strings, as in a node, where nothing else holds them.
      String id = i < PROJECTS ? projectIds[i] : deploymentIds[i - PROJECTS];
      routes.get().add(new RouteTable.Route(new String(names.get(i)), new String(id), VERSION));
    }
    RouteTable table = RouteTable.get(system);
    long started = System.nanoTime();
    table.warm(routes.getAndSet(null));
    while (table.size() < names.size()) {
      Thread.sleep(20);
    }
    long warmMillis = (System.nanoTime() - started) / 1_000_000;
    long heapAfter = usedHeap();
    System.out.printf("  route table: %,d hosts replicated and mirrored in %,d ms; heap %.0f bytes per route entry "
        + "(Distributed Data's maps, the edge's local copy, host and id strings)%n",
        names.size(), warmMillis, (heapAfter - heapBefore) / (double) names.size());

    Random random = new Random(11);
    long[] nanos = new long[LOOKUPS];
    int misses = 0;
    for (int i = 0; i < LOOKUPS; i++) {
      String host = i % 10 == 0 ? "unknown-" + i + ".ferry.example" : names.get(random.nextInt(names.size()));
      long t = System.nanoTime();
      boolean found = table.deploymentFor(host).isPresent();
      nanos[i] = System.nanoTime() - t;
      misses += found ? 0 : 1;
    }
    assertEquals(LOOKUPS / 10, misses, "every known host resolves, every unknown one misses");
    Arrays.sort(nanos);
    System.out.printf("  host resolution over %,d lookups (10%% unknown hosts): p50 %d ns, p99 %d ns, p99.9 %d ns%n",
        LOOKUPS, nanos[LOOKUPS / 2], nanos[LOOKUPS * 99 / 100], nanos[LOOKUPS * 999 / 1000]);
  }

  private static ProjectSettings settings() {
    return new ProjectSettings("https://git.example/site.git", ProjectSettings.DEFAULT_BRANCH, null, null, null,
        null, null);
  }

  /** Runs {@code count} asks with at most {@link #CONCURRENCY} in flight; fails on the first failure. */
  private static void inFlight(int count, IntFunction<CompletionStage<?>> command) throws Exception {
    inFlight(null, count, command);
  }

  /** With a {@code label}, prints the rate of every tenth of the run, so warm-up and steady state show apart. */
  private static void inFlight(String label, int count, IntFunction<CompletionStage<?>> command) throws Exception {
    Semaphore permits = new Semaphore(CONCURRENCY);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    int tenth = Math.max(1, count / 10);
    long tenthStarted = System.nanoTime();
    for (int i = 0; i < count && failure.get() == null; i++) {
      if (label != null && i > 0 && i % tenth == 0) {
        long now = System.nanoTime();
        System.out.printf("    %s %,d-%,d: %,.0f/s%n", label, i - tenth, i, tenth / ((now - tenthStarted) / 1e9));
        tenthStarted = now;
      }
      permits.acquire();
      command.apply(i).whenComplete((result, error) -> {
        if (error != null) {
          failure.compareAndSet(null, error);
        }
        permits.release();
      });
    }
    permits.acquire(CONCURRENCY);
    if (failure.get() != null) {
      throw new AssertionError("a command failed", failure.get());
    }
  }

  private static void report(String what, long commands, long startedNanos, long events) {
    double seconds = (System.nanoTime() - startedNanos) / 1e9;
    System.out.printf("  %s: %,d commands in %.1f s = %,.0f commands/s; %,d journal events = %,.0f events/s%n",
        what, commands, seconds, commands / seconds, events, events / seconds);
  }

  private static long events(DataSource db) throws Exception {
    return Sql.query(db, "SELECT COUNT(*) FROM event_journal", r -> r.getLong(1)).get(0);
  }

  private static long usedHeap() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
