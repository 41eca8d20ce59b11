package dev.ferry.cluster;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import dev.ferry.common.Listener;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a node stop without cutting requests off. On coordinated shutdown (SIGTERM, {@code ActorSystem.terminate()})
 * each HTTP server first stops accepting connections ({@code service-unbind}), then waits for the requests in flight
 * to finish, up to a deadline ({@code service-requests-done}; new requests on open connections get 503 meanwhile);
 * only then do the shards move to other nodes and the node leave the cluster ({@code cluster-sharding-shutdown-region},
 * {@code cluster-leave}), so the entities those requests talk to are still here while they finish.
 */
public final class GracefulShutdown {

  private static final Logger log = LoggerFactory.getLogger(GracefulShutdown.class);

  private static final Duration FLUSH_GRACE = Duration.ofMillis(250);

  private GracefulShutdown() {}

  /** Registers {@code binding} to be unbound and drained for at most {@code deadline} when the node shuts down. */
  public static Listener drainOnShutdown(ServerBinding binding, ActorSystem<?> system, Duration deadline,
      String name) {
    return drainOnShutdown(Listener.of(binding), system, deadline, name);
  }

  /** Registers {@code binding} to be unbound and drained for at most {@code deadline} when the node shuts down. */
  public static Listener drainOnShutdown(Listener binding, ActorSystem<?> system, Duration deadline, String name) {
    String task = name.replace(' ', '-').replaceAll("[()]", "");
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "unbind-" + task,
        () -> binding.unbind().thenApply(unbound -> Done.done()));
    shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "drain-" + task,
        () -> binding.terminate(deadline).thenApply(terminated -> Done.done()));
    // A drained connection's last response is handed to TCP just before the server reports it terminated; stopping
    // the actor system at once can reset the connection before those bytes leave. Give the writes a moment.
    shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "flush-" + task,
        () -> binding.whenTerminated().toCompletableFuture().<Done>thenCompose(terminated ->
            org.apache.pekko.pattern.Patterns.after(FLUSH_GRACE, system.classicSystem().scheduler(),
                system.executionContext(), () -> CompletableFuture.completedFuture(Done.done()))));
    binding.whenTerminated().thenAccept(terminated ->
        log.info("{} on {} stopped; requests in flight were given up to {} s", name, binding.localAddress(),
            deadline.toSeconds()));
    return binding;
  }

  /**
   * Runs {@code stop} once the servers have drained ({@code service-stop}): what their requests still use — thread
   * pools, the build worker — must not go away under them, as a plain JVM shutdown hook would make it.
   */
  public static void afterRequestsDrained(ActorSystem<?> system, String name, Runnable stop) {
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceStop(), name, () -> {
      stop.run();
      return CompletableFuture.completedFuture(Done.done());
    });
  }
}
