package dev.ferry.functions;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request on one instance: ends exactly once — when the response has been streamed (the instance goes back to
 * the pool), when forwarding failed, or when {@code maxDuration} ran out (the instance is stopped, whatever it is
 * doing, and {@code onTimeout} answers the request if nothing has yet).
 */
final class Invocation {

  private final FunctionPool pool;
  private final FunctionInstance instance;
  private final Runnable onTimeout;
  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile ScheduledFuture<?> timer;

  Invocation(FunctionPool pool, FunctionInstance instance, Runnable onTimeout) {
    this.pool = pool;
    this.instance = instance;
    this.onTimeout = onTimeout;
  }

  void arm(ScheduledExecutorService timers, Duration maxDuration) {
    timer = timers.schedule(() -> {
      if (finished.compareAndSet(false, true)) {
        // Answered first: stopping the instance fails the request in flight, which must not answer instead.
        onTimeout.run();
        instance.kill();
        pool.release(instance, false);
      }
    }, maxDuration.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The request is done with the instance; an unhealthy instance is stopped rather than reused. */
  void finish(boolean healthy) {
    if (finished.compareAndSet(false, true)) {
      ScheduledFuture<?> armed = timer;
      if (armed != null) {
        armed.cancel(false);
      }
      pool.release(instance, healthy);
    }
  }
}
