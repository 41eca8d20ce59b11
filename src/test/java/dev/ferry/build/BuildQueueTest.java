package dev.ferry.build;

import static dev.ferry.testing.ProjectionTests.column;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.db.Database;
import dev.ferry.db.Sql;
import dev.ferry.testing.ProjectionTests;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build queue as workers use it, on the real H2 database. */
class BuildQueueTest {

  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
  private static final int WORKERS = 8;

  @TempDir
  Path dataDir;
  private Database database;
  private BuildQueue queue;
  private ExecutorService threads;

  @BeforeEach
  void open() {
    database = ProjectionTests.database(dataDir);
    queue = new BuildQueue(database.dataSource());
    threads = Executors.newFixedThreadPool(WORKERS);
  }

  @AfterEach
  void close() throws InterruptedException {
    threads.shutdownNow();
    threads.awaitTermination(10, TimeUnit.SECONDS);
    database.close();
  }

  @Test
  void takeGivesTheOldestFreeBuild() throws Exception {
    enqueue("dpl_b", T0.plusSeconds(2));
    enqueue("dpl_a", T0);
    enqueue("dpl_c", T0.plusSeconds(3));
    enqueue("dpl_d", T0.plusSeconds(1));
    queue.remove("dpl_d");

    assertEquals(Optional.of("dpl_a"), queue.take("worker-1", later()));
    assertEquals(Optional.of("dpl_b"), queue.take("worker-2", later()));
    assertEquals(Optional.of("dpl_c"), queue.take("worker-1", later()));
    assertEquals(Optional.empty(), queue.take("worker-3", later()));
  }

  @Test
  void aLeasedBuildIsNotFreeWhileItsLeaseRuns() throws Exception {
    enqueue("dpl_a", T0);
    assertEquals(Optional.of("dpl_a"), queue.take("worker-1", later()));

    assertEquals(Optional.empty(), queue.take("worker-2", later()));
    assertEquals(List.of("worker-1"), column(database, "SELECT worker FROM build_queue"));
  }

  @Test
  void anExpiredLeaseLetsAnotherWorkerTakeTheBuild() throws Exception {
    enqueue("dpl_a", T0);
    // The holder died: its lease ran out a second ago.
    assertEquals(Optional.of("dpl_a"), queue.take("worker-1", Instant.now().minusSeconds(1)));

    assertEquals(Optional.of("dpl_a"), queue.take("worker-2", later()));
    assertEquals(List.of("worker-2"), column(database, "SELECT worker FROM build_queue"));
  }

  @Test
  void renewExtendsTheHoldersLease() throws Exception {
    enqueue("dpl_a", T0);
    assertEquals(Optional.of("dpl_a"), queue.take("worker-1", Instant.now().minusSeconds(1)));

    queue.renew("dpl_a", "worker-1", later());

    assertEquals(Optional.empty(), queue.take("worker-2", later()));
    assertEquals(List.of("worker-1"), column(database, "SELECT worker FROM build_queue"));
  }

  @Test
  void renewByAnotherWorkerChangesNothing() throws Exception {
    enqueue("dpl_a", T0);
    assertEquals(Optional.of("dpl_a"), queue.take("worker-1", Instant.now().minusSeconds(1)));

    queue.renew("dpl_a", "worker-2", later());

    assertEquals(Optional.of("dpl_a"), queue.take("worker-3", later()));
    assertEquals(List.of("worker-3"), column(database, "SELECT worker FROM build_queue"));
  }

  @Test
  void exactlyOneOfManyConcurrentWorkersWinsEachBuild() throws Exception {
    for (int round = 0; round < 10; round++) {
      String deploymentId = "dpl_" + round;
      enqueue(deploymentId, T0.plusSeconds(round));
      List<Optional<String>> results = concurrently(worker -> queue.take(worker, later()));

      assertEquals(1, results.stream().filter(Optional::isPresent).count(), () -> "winners: " + results);
      results.stream().flatMap(Optional::stream).forEach(won -> assertEquals(deploymentId, won));
    }
  }

  @Test
  void concurrentWorkersDrainTheQueueWithoutTakingABuildTwice() throws Exception {
    int builds = 40;
    for (int i = 0; i < builds; i++) {
      enqueue(String.format("dpl_%02d", i), T0.plusSeconds(i));
    }

    List<List<String>> taken = concurrently(worker -> {
      List<String> mine = new ArrayList<>();
      for (Optional<String> next = queue.take(worker, later()); next.isPresent();
          next = queue.take(worker, later())) {
        mine.add(next.get());
      }
      return mine;
    });

    Map<String, Integer> times = new HashMap<>();
    taken.forEach(mine -> mine.forEach(id -> times.merge(id, 1, Integer::sum)));
    assertEquals(builds, times.size(), () -> "taken: " + taken);
    times.forEach((id, count) -> assertEquals(1, count, () -> id + " was taken " + count + " times: " + taken));
    // Each row names the worker that won it.
    for (int w = 0; w < WORKERS; w++) {
      assertEquals(taken.get(w).stream().sorted().toList(),
          column(database, "SELECT deployment_id FROM build_queue WHERE worker = ? ORDER BY deployment_id",
              "worker-" + w));
    }
  }

  @FunctionalInterface
  private interface WorkerCall<T> {
    T call(String worker) throws Exception;
  }

  /** Runs {@code call} once on each of {@link #WORKERS} threads, all released at the same moment. */
  private <T> List<T> concurrently(WorkerCall<T> call) throws Exception {
    CountDownLatch ready = new CountDownLatch(WORKERS);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<T>> futures = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      String worker = "worker-" + w;
      Callable<T> task = () -> {
        ready.countDown();
        go.await();
        return call.call(worker);
      };
      futures.add(threads.submit(task));
    }
    ready.await(10, TimeUnit.SECONDS);
    go.countDown();
    List<T> results = new ArrayList<>();
    for (Future<T> future : futures) {
      results.add(future.get(10, TimeUnit.SECONDS));
    }
    return results;
  }

  private void enqueue(String deploymentId, Instant queuedAt) throws Exception {
    Sql.update(database.dataSource(), "INSERT INTO build_queue (deployment_id, project_id, queued_at) VALUES (?, ?, ?)",
        deploymentId, "prj_1", queuedAt);
  }

  private static Instant later() {
    return Instant.now().plusSeconds(60);
  }
}
