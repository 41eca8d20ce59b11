package dev.ferry.functions;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The instances of one function of one deployment: an instance serves one request at a time; a request takes an
 * idle instance (the one used last, so the others can go idle and stop), else starts a new one while there are
 * fewer than the maximum, else waits in a bounded queue for one to be released, for at most the queue timeout.
 * Instances idle for longer than the idle timeout are stopped, down to none (scale to zero).
 */
final class FunctionPool {

  /** The pool is at capacity and its queue is full, or the request waited too long: answered with 503. */
  static final class Saturated extends RuntimeException {
    Saturated(String message) {
      super(message, null, false, false);
    }
  }

  /** An instance handed to one request; {@code coldStart} when it was started for it. */
  record Lease(FunctionInstance instance, boolean coldStart) {}

  private final Supplier<CompletionStage<FunctionInstance>> starter;
  private final int maxInstances;
  private final int maxQueued;
  private final Duration queueTimeout;
  private final ScheduledExecutorService timers;
  private final Deque<FunctionInstance> idle = new ArrayDeque<>();
  private final Deque<CompletableFuture<Lease>> waiting = new ArrayDeque<>();
  private final List<FunctionInstance> all = new ArrayList<>();
  private int live;
  private boolean closed;

  FunctionPool(Supplier<CompletionStage<FunctionInstance>> starter, int maxInstances, int maxQueued,
      Duration queueTimeout, ScheduledExecutorService timers) {
    this.starter = starter;
    this.maxInstances = maxInstances;
    this.maxQueued = maxQueued;
    this.queueTimeout = queueTimeout;
    this.timers = timers;
  }

  CompletionStage<Lease> acquire() {
    CompletableFuture<Lease> waiter;
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new Saturated("the deployment's functions are stopping"));
      }
      FunctionInstance instance;
      while ((instance = idle.pollLast()) != null) {
        if (instance.isAlive()) {
          return CompletableFuture.completedFuture(new Lease(instance, false));
        }
        forget(instance);
      }
      if (live < maxInstances) {
        live++;
        return startFor(null);
      }
      if (waiting.size() >= maxQueued) {
        return CompletableFuture.failedFuture(new Saturated("all " + maxInstances
            + " instances are busy and " + maxQueued + " requests are waiting"));
      }
      waiter = new CompletableFuture<>();
      waiting.add(waiter);
    }
    timers.schedule(() -> {
      boolean removed;
      synchronized (this) {
        removed = waiting.remove(waiter);
      }
      if (removed) {
        waiter.completeExceptionally(new Saturated("no instance became free within " + queueTimeout.toMillis()
            + " ms"));
      }
    }, queueTimeout.toMillis(), TimeUnit.MILLISECONDS);
    return waiter;
  }

  /** Starts an instance (a slot is already counted in {@code live}) for a new request or for {@code waiter}. */
  private CompletableFuture<Lease> startFor(CompletableFuture<Lease> waiter) {
    CompletableFuture<Lease> result = waiter == null ? new CompletableFuture<>() : waiter;
    starter.get().whenComplete((instance, failure) -> {
      if (failure != null) {
        synchronized (this) {
          live--;
        }
        result.completeExceptionally(failure);
        return;
      }
      boolean stop;
      synchronized (this) {
        stop = closed;
        all.add(instance);
      }
      if (stop) {
        release(instance, false);
        result.completeExceptionally(new Saturated("the deployment's functions are stopping"));
      } else if (!result.complete(new Lease(instance, true))) {
        release(instance, true);
      }
    });
    return result;
  }

  /** Gives an instance back after a request; a broken one is stopped, and its slot may start one for a waiter. */
  void release(FunctionInstance instance, boolean healthy) {
    instance.detach();
    CompletableFuture<Lease> next = null;
    boolean startNew = false;
    synchronized (this) {
      if (!healthy || !instance.isAlive() || closed) {
        forget(instance);
        instance.kill();
        if (!waiting.isEmpty() && live < maxInstances && !closed) {
          next = waiting.poll();
          live++;
          startNew = true;
        }
      } else {
        next = waiting.poll();
        if (next == null) {
          idle.addLast(instance);
        }
      }
    }
    if (startNew) {
      startFor(next);
    } else if (next != null && !next.complete(new Lease(instance, false))) {
      release(instance, true);
    }
  }

  /** Stops instances idle for longer than {@code idleTimeout}; true when the pool has none left. */
  boolean stopIdle(Duration idleTimeout) {
    List<FunctionInstance> stopped = new ArrayList<>();
    boolean empty;
    synchronized (this) {
      long now = System.nanoTime();
      idle.removeIf(instance -> {
        if (instance.idleNanos(now) >= idleTimeout.toNanos() || !instance.isAlive()) {
          stopped.add(instance);
          return true;
        }
        return false;
      });
      stopped.forEach(this::forget);
      empty = live == 0 && waiting.isEmpty();
    }
    stopped.forEach(FunctionInstance::kill);
    return empty;
  }

  synchronized int instances() {
    return live;
  }

  synchronized int idleInstances() {
    return idle.size();
  }

  void close() {
    List<FunctionInstance> running;
    List<CompletableFuture<Lease>> waiters;
    synchronized (this) {
      closed = true;
      running = new ArrayList<>(all);
      waiters = new ArrayList<>(waiting);
      waiting.clear();
      idle.clear();
    }
    running.forEach(FunctionInstance::kill);
    waiters.forEach(w -> w.completeExceptionally(new Saturated("the deployment's functions are stopping")));
  }

  /** Drops an instance from the books (the lock is held). */
  private void forget(FunctionInstance instance) {
    if (all.remove(instance)) {
      live--;
    }
  }
}
