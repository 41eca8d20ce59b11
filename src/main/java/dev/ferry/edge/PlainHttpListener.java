package dev.ferry.edge;

import dev.ferry.common.Listener;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's plain HTTP/1.1 listener on Netty (ADR 0018): one event loop per core reads requests, runs the edge's
 * handler on the same thread, and writes a cached answer without any hand-off. Limits are Pekko HTTP's, which the edge
 * used before: a request line of 2 KiB of target (414 beyond), 8 KiB of headers (431), and the idle and request
 * timeouts of {@code pekko.http.server} (one configuration for both listeners). Draining ({@link #terminate}) answers new requests with 503 and closes each connection after its
 * response in progress.
 */
final class PlainHttpListener implements Listener {

  /** Sent down every connection's pipeline when draining starts. */
  static final Object DRAIN = new Object();

  private static final Logger log = LoggerFactory.getLogger(PlainHttpListener.class);
  private static final int MAX_REQUEST_LINE = 2048 + 64;
  private static final int MAX_HEADER_BYTES = 8 * 1024 + 1024;

  private final EventLoopGroup group;
  private final ChannelGroup connections = new DefaultChannelGroup("edge-connections", GlobalEventExecutor.INSTANCE);
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private volatile Channel server;
  private volatile boolean draining;

  private PlainHttpListener(EventLoopGroup group) {
    this.group = group;
  }

  /**
   * Binds {@code iface:port}; {@code bodyLimit} is asked per request for how much request body to collect (0: none is
   * read, as without functions).
   */
  static CompletionStage<Listener> bind(ActorSystem<?> system, String iface, int port, int ioThreads,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler, LongSupplier bodyLimit) {
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    int threads = ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("ferry-edge", true), io);
    PlainHttpListener listener = new PlainHttpListener(group);
    Materializer materializer = Materializer.matFromSystem(system);
    Duration idleTimeout = finiteOrNull(system, "pekko.http.server.idle-timeout");
    Duration requestTimeout = finiteOrNull(system, "pekko.http.server.request-timeout");
    Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    HttpDecoderConfig decoding = new HttpDecoderConfig()
        .setMaxInitialLineLength(MAX_REQUEST_LINE)
        .setMaxHeaderSize(MAX_HEADER_BYTES)
        .setMaxChunkSize(64 * 1024);
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(group)
        .channel(channel)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (idleTimeout != null) {
              ch.pipeline().addLast(new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
            }
            ch.pipeline()
                .addLast(new HttpServerCodec(decoding))
                .addLast(new HttpServerExpectContinueHandler())
                .addLast(new EdgeConnection(handler, bodyLimit, materializer, listener, requestTimeout));
          }
        });
    CompletableFuture<Listener> bound = new CompletableFuture<>();
    bootstrap.bind(iface, port).addListener(f -> {
      if (f.isSuccess()) {
        listener.server = ((io.netty.channel.ChannelFuture) f).channel();
        bound.complete(listener);
      } else {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        bound.completeExceptionally(f.cause());
      }
    });
    // Nothing outlives the node: the loops stop with its actor system at the latest.
    system.getWhenTerminated().thenRun(() -> listener.terminate(Duration.ZERO));
    log.debug("Edge I/O: {} event loops on {}", threads, epoll ? "epoll" : "NIO");
    return bound;
  }

  /** A duration setting, or null when it is {@code infinite}. */
  private static Duration finiteOrNull(ActorSystem<?> system, String path) {
    com.typesafe.config.Config config = system.settings().config();
    if (!config.hasPath(path) || config.getString(path).equalsIgnoreCase("infinite")) {
      return null;
    }
    return config.getDuration(path);
  }

  void opened(Channel connection) {
    connections.add(connection);
    if (draining) {
      connection.pipeline().fireUserEventTriggered(DRAIN);
    }
  }

  boolean draining() {
    return draining;
  }

  @Override
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public CompletionStage<Void> unbind() {
    CompletableFuture<Void> unbound = new CompletableFuture<>();
    server.close().addListener(f -> unbound.complete(null));
    return unbound;
  }

  @Override
  public synchronized CompletionStage<Void> terminate(Duration hardDeadline) {
    if (draining) {
      return terminated;
    }
    draining = true;
    unbind().thenRun(() -> {
      for (Channel connection : connections) {
        connection.pipeline().fireUserEventTriggered(DRAIN);
      }
      long deadline = System.nanoTime() + hardDeadline.toNanos();
      awaitClosed(deadline);
    });
    return terminated;
  }

  private void awaitClosed(long deadline) {
    if (connections.isEmpty() || System.nanoTime() >= deadline) {
      connections.close().addListener(f -> {
        terminated.complete(null);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      });
      return;
    }
    GlobalEventExecutor.INSTANCE.schedule(() -> awaitClosed(deadline), 20, TimeUnit.MILLISECONDS);
  }

  @Override
  public CompletionStage<Void> whenTerminated() {
    return terminated;
  }
}
