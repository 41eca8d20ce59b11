package dev.ferry.edge;

import dev.ferry.common.Listener;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
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
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
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
 * The edge's listeners on Netty (ADR 0018): plain HTTP/1.1, and HTTPS with HTTP/2 by ALPN: one event loop per core reads requests, runs the edge's
 * handler on the same thread, and writes a cached answer without any hand-off. Limits are Pekko HTTP's, which the edge
 * used before: a request line of 2 KiB of target (414 beyond), 8 KiB of headers (431), and the idle and request
 * timeouts of {@code pekko.http.server} (one configuration for both listeners). Draining ({@link #terminate}) answers new requests with 503 and closes each connection after its
 * response in progress.
 */
final class NettyListener implements Listener {

  /** Sent down every connection's pipeline when draining starts. */
  static final Object DRAIN = new Object();

  private static final Logger log = LoggerFactory.getLogger(NettyListener.class);
  private static final int MAX_REQUEST_LINE = 2048 + 64;
  private static final int MAX_HEADER_BYTES = 8 * 1024 + 1024;

  private final EventLoopGroup group;
  private final ChannelGroup connections = new DefaultChannelGroup("edge-connections", GlobalEventExecutor.INSTANCE);
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private volatile Channel server;
  private volatile boolean draining;

  private NettyListener(EventLoopGroup group) {
    this.group = group;
  }

  /**
   * Binds {@code iface:port}; {@code bodyLimit} is asked per request for how much request body to collect (0: none is
   * read, as without functions).
   */
  static CompletionStage<Listener> bind(ActorSystem<?> system, String iface, int port, int ioThreads,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler, LongSupplier bodyLimit) {
    return bind(system, iface, port, ioThreads, handler, bodyLimit, null);
  }

  /**
   * As {@link #bind(ActorSystem, String, int, int, Function, LongSupplier)}, with TLS when {@code tls} is given (see
   * {@link dev.ferry.edge.tls.EdgeTls#serverContext}): ALPN picks HTTP/2 or HTTP/1.1. Each HTTP/2 stream
   * is answered like one HTTP/1.1 exchange by its own {@link EdgeConnection}.
   */
  static CompletionStage<Listener> bind(ActorSystem<?> system, String iface, int port, int ioThreads,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler, LongSupplier bodyLimit, SslContext tls) {
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    int threads = ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("ferry-edge", true), io);
    NettyListener listener = new NettyListener(group);
    Materializer materializer = Materializer.matFromSystem(system);
    Duration idleTimeout = finiteOrNull(system, "pekko.http.server.idle-timeout");
    Duration requestTimeout = finiteOrNull(system, "pekko.http.server.request-timeout");
    SslContext tlsContext = tls;
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
            if (tlsContext == null) {
              http1(ch.pipeline());
            } else {
              tls(ch);
            }
            listener.opened(ch);
          }

          private void tls(SocketChannel ch) {
            ch.pipeline()
                .addLast(tlsContext.newHandler(ch.alloc()))
                .addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                  @Override
                  protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                    if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                      http2(ctx.pipeline());
                    } else {
                      http1(ctx.pipeline());
                    }
                  }
                });
          }

          private void http1(ChannelPipeline pipeline) {
            pipeline
                .addLast(new HttpServerCodec(decoding))
                .addLast(new HttpServerExpectContinueHandler())
                .addLast(newExchange());
          }

          private void http2(ChannelPipeline pipeline) {
            pipeline
                .addLast(Http2FrameCodecBuilder.forServer()
                    .initialSettings(Http2Settings.defaultSettings().maxHeaderListSize(MAX_HEADER_BYTES))
                    .build())
                .addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                  @Override
                  protected void initChannel(Http2StreamChannel stream) {
                    stream.pipeline()
                        .addLast(new HostOverAuthority())
                        .addLast(new Http2StreamFrameToHttpObjectCodec(true))
                        .addLast(newExchange());
                  }
                }))
                .addLast(new Http2Drain());
          }

          private EdgeConnection newExchange() {
            return new EdgeConnection(handler, bodyLimit, materializer, listener, requestTimeout);
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
    log.info("Edge I/O on {}: {} event loops on {}{}", iface + ":" + port, threads, epoll ? "epoll" : "NIO",
        tls == null ? "" : ", TLS by " + (tls.isServer() && tls instanceof io.netty.handler.ssl.ReferenceCountedOpenSslContext
            ? "OpenSSL (BoringSSL)" : "the JDK"));
    return bound;
  }

  /**
   * A request with both {@code :authority} and {@code Host} is routed by {@code Host}, as Pekko HTTP's server did
   * (Java's HTTP client sends both when told a Host); Netty's conversion would refuse the pair when they differ.
   */
  private static final class HostOverAuthority extends io.netty.channel.ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Http2HeadersFrame frame && frame.headers().contains(HttpHeaderNames.HOST)) {
        frame.headers().remove(Http2Headers.PseudoHeaderName.AUTHORITY.value());
      }
      ctx.fireChannelRead(msg);
    }
  }

  /** On a drain, an HTTP/2 connection says GOAWAY and closes once its open streams are answered. */
  private static final class Http2Drain extends io.netty.channel.ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
      if (event == DRAIN) {
        ctx.channel().close();
      } else {
        super.userEventTriggered(ctx, event);
      }
    }
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
