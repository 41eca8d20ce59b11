package dev.ferry.common;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * A bound HTTP server, whatever runs it (Pekko HTTP, or the edge's plain-HTTP loop on Netty): where it listens, and how
 * it stops — first no new connections, then the requests in flight finish (new ones get 503) until a deadline.
 */
public interface Listener {

  InetSocketAddress localAddress();

  /** Stops accepting connections; open ones stay. */
  CompletionStage<Void> unbind();

  /**
   * Stops accepting connections, lets the requests in flight finish for at most {@code hardDeadline}, then closes
   * every connection; completes when all are closed.
   */
  CompletionStage<Void> terminate(Duration hardDeadline);

  /** Completes once {@link #terminate} has closed every connection. */
  CompletionStage<Void> whenTerminated();

  /** A Pekko HTTP binding seen as a listener. */
  static Listener of(ServerBinding binding) {
    return new Listener() {
      @Override
      public InetSocketAddress localAddress() {
        return binding.localAddress();
      }

      @Override
      public CompletionStage<Void> unbind() {
        return binding.unbind().thenApply(done -> null);
      }

      @Override
      public CompletionStage<Void> terminate(Duration hardDeadline) {
        return binding.terminate(hardDeadline).thenApply(terminated -> null);
      }

      @Override
      public CompletionStage<Void> whenTerminated() {
        return binding.whenTerminated().thenApply(terminated -> null);
      }
    };
  }
}
