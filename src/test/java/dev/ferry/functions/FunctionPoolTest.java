package dev.ferry.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.sandbox.InstanceSandbox;
import dev.ferry.sandbox.ProcessInstanceSandbox;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pool with real processes (a shell that announces a port and waits), started through the process sandbox. */
class FunctionPoolTest {

  @TempDir
  Path dir;

  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
  private final AtomicInteger started = new AtomicInteger();
  private FunctionPool pool;

  @AfterEach
  void stop() {
    if (pool != null) {
      pool.close();
    }
    timers.shutdownNow();
  }

  private CompletionStage<FunctionInstance> start() {
    started.incrementAndGet();
    FunctionInstance instance = new FunctionInstance((stream, text) -> { });
    try {
      InstanceSandbox sandbox = new ProcessInstanceSandbox(false, List.of());
      instance.started(sandbox.start(new InstanceSandbox.InstanceSpec(
          List.of("sh", "-c", "echo FERRY_FUNCTION_READY 4242; exec sleep 60"), dir, List.of(),
          Map.of("PATH", "/usr/bin:/bin"), 0), instance::line));
    } catch (java.io.IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return instance.ready().thenApply(port -> instance);
  }

  private FunctionPool pool(int instances, int queued, Duration queueTimeout) {
    pool = new FunctionPool(this::start, instances, queued, queueTimeout, timers);
    return pool;
  }

  private static FunctionPool.Lease get(CompletionStage<FunctionPool.Lease> lease) throws Exception {
    return lease.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aReleasedInstanceIsReusedWarm() throws Exception {
    FunctionPool pool = pool(2, 0, Duration.ofSeconds(1));
    FunctionPool.Lease first = get(pool.acquire());
    assertTrue(first.coldStart());
    assertEquals(4242, first.instance().port());
    pool.release(first.instance(), true);
    FunctionPool.Lease second = get(pool.acquire());
    assertSame(first.instance(), second.instance());
    assertFalse(second.coldStart());
    assertEquals(1, started.get());
  }

  @Test
  void beyondTheMaximumRequestsWaitThenAreRefused() throws Exception {
    FunctionPool pool = pool(1, 1, Duration.ofSeconds(5));
    FunctionPool.Lease busy = get(pool.acquire());
    CompletableFuture<FunctionPool.Lease> waiting = pool.acquire().toCompletableFuture();
    ExecutionException refused = assertThrows(ExecutionException.class, () -> get(pool.acquire()));
    assertInstanceOf(FunctionPool.Saturated.class, refused.getCause());
    assertFalse(waiting.isDone());
    pool.release(busy.instance(), true);
    FunctionPool.Lease handedOver = get(waiting);
    assertSame(busy.instance(), handedOver.instance(), "the waiting request gets the released instance");
    assertEquals(1, started.get());
  }

  @Test
  void aWaitingRequestGivesUpAfterTheQueueTimeout() throws Exception {
    FunctionPool pool = pool(1, 4, Duration.ofMillis(200));
    get(pool.acquire());
    ExecutionException late = assertThrows(ExecutionException.class, () -> get(pool.acquire()));
    assertInstanceOf(FunctionPool.Saturated.class, late.getCause());
  }

  @Test
  void aBrokenInstanceIsStoppedAndReplacedForTheNextRequest() throws Exception {
    FunctionPool pool = pool(1, 1, Duration.ofSeconds(5));
    FunctionPool.Lease broken = get(pool.acquire());
    CompletableFuture<FunctionPool.Lease> waiting = pool.acquire().toCompletableFuture();
    pool.release(broken.instance(), false);
    FunctionPool.Lease replacement = get(waiting);
    assertNotSame(broken.instance(), replacement.instance());
    assertTrue(replacement.coldStart());
    broken.instance().onExit().get(5, TimeUnit.SECONDS);
    assertFalse(broken.instance().isAlive());
    assertEquals(1, pool.instances());
  }

  @Test
  void idleInstancesAreStoppedDownToZero() throws Exception {
    FunctionPool pool = pool(2, 0, Duration.ofSeconds(1));
    FunctionPool.Lease a = get(pool.acquire());
    FunctionPool.Lease b = get(pool.acquire());
    pool.release(a.instance(), true);
    pool.release(b.instance(), true);
    assertFalse(pool.stopIdle(Duration.ofMinutes(1)), "not idle long enough");
    assertEquals(2, pool.idleInstances());
    Thread.sleep(50);
    assertTrue(pool.stopIdle(Duration.ofMillis(10)));
    assertEquals(0, pool.instances());
    a.instance().onExit().get(5, TimeUnit.SECONDS);
    b.instance().onExit().get(5, TimeUnit.SECONDS);
    assertTrue(get(pool.acquire()).coldStart(), "scaled to zero: the next request starts an instance");
  }
}
