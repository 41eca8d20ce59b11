package dev.ferry.edge;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of the plain-HTTP edge (ADR 0018): collects each request (its body up to the functions'
 * limit), hands it to the edge's handler as a Pekko request, and writes the responses in request order. A response
 * that is ready when the handler returns (a cached file) is written on the event loop at once; others are written
 * when they complete. Pipelined requests wait in a short queue; a streamed response body is written chunk by chunk,
 * each after the previous one left.
 */
final class EdgeConnection extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(EdgeConnection.class);
  /** How long a connection that refused a request's rest still drains it before closing. */
  private static final long LINGER_MILLIS = 2_000;
  /** Pipelined requests waiting for earlier responses; past this, reading pauses. */
  private static final int MAX_QUEUED = 16;

  private final Function<HttpRequest, CompletionStage<HttpResponse>> handler;
  private final LongSupplier bodyLimit;
  private final Materializer materializer;
  private final NettyListener listener;
  /** Pekko HTTP's {@code request-timeout}: null when infinite. */
  private final java.time.Duration requestTimeout;

  private final ArrayDeque<Incoming> queue = new ArrayDeque<>();
  /** The request whose body is still arriving. */
  private Incoming reading;
  /** Whether a response is being produced or streamed; the next request waits for it. */
  private boolean busy;
  /** Set by a drain: close once the response in progress is written. */
  private boolean closing;
  /** After a refused body: whatever else arrives on this connection is not read as requests. */
  private boolean discarding;

  EdgeConnection(Function<HttpRequest, CompletionStage<HttpResponse>> handler, LongSupplier bodyLimit,
      Materializer materializer, NettyListener listener, java.time.Duration requestTimeout) {
    this.requestTimeout = requestTimeout;
    this.handler = handler;
    this.bodyLimit = bodyLimit;
    this.materializer = materializer;
    this.listener = listener;
  }

  /** A request being read: its head, its body so far, and what to do with more bytes of it. */
  private static final class Incoming {
    final io.netty.handler.codec.http.HttpRequest head;
    final long limit;
    ByteStringBuilder body;
    /** The body is over the limit: its bytes are dropped, the handler gets an entity that says so. */
    boolean tooLarge;
    long declaredLength = -1;

    Incoming(io.netty.handler.codec.http.HttpRequest head, long limit) {
      this.head = head;
      this.limit = limit;
    }

    NettyMessages.RequestEntityFactory entity() {
      if (tooLarge) {
        if (declaredLength >= 0) {
          // Declared too large: the function runtime answers 413 from the length without reading.
          long length = declaredLength;
          return contentType -> HttpEntities.create(contentType, length, Source.<ByteString>empty());
        }
        long max = limit;
        return contentType -> HttpEntities.createChunked(contentType,
            Source.<ByteString>failed(new EntityStreamSizeException(max, scala.Option.empty())));
      }
      return NettyMessages.RequestEntityFactory.of(body == null ? ByteString.emptyByteString() : body.result());
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpObject object && object.decoderResult().isFailure()) {
        if (!discarding) {
          reject(ctx, object.decoderResult());
        }
        return;
      }
      if (msg instanceof io.netty.handler.codec.http.HttpRequest head) {
        head(ctx, head);
      }
      if (msg instanceof HttpContent content && reading != null) {
        content(ctx, content);
        if (msg instanceof LastHttpContent && reading != null) {
          Incoming complete = reading;
          reading = null;
          enqueue(ctx, complete);
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void head(ChannelHandlerContext ctx, io.netty.handler.codec.http.HttpRequest head) {
    if (discarding) {
      return;
    }
    Incoming incoming = new Incoming(head, bodyLimit.getAsLong());
    reading = incoming;
    long declared = HttpUtil.getContentLength(head, -1L);
    if (declared > incoming.limit && incoming.limit > 0) {
      // No need to wait for a body that is refused anyway; the connection closes after the answer.
      incoming.tooLarge = true;
      incoming.declaredLength = declared;
      reading = null;
      discardRestOfConnection();
      enqueue(ctx, incoming);
    }
  }

  private void content(ChannelHandlerContext ctx, HttpContent content) {
    Incoming incoming = reading;
    int size = content.content().readableBytes();
    if (size == 0 || incoming.limit <= 0) {
      // Without functions nothing reads a body: it is dropped as it arrives.
      return;
    }
    int sofar = incoming.body == null ? 0 : incoming.body.length();
    if (sofar + (long) size > incoming.limit) {
      incoming.tooLarge = true;
      incoming.body = null;
      reading = null;
      discardRestOfConnection();
      enqueue(ctx, incoming);
      return;
    }
    byte[] bytes = new byte[size];
    content.content().readBytes(bytes);
    if (incoming.body == null) {
      incoming.body = new ByteStringBuilder();
    }
    // The array is this request's own: appended as it is, not copied again.
    incoming.body.append(ByteString.fromArrayUnsafe(bytes));
  }

  /** What is still on the connection belongs to a refused body: nothing more is read as a request. */
  private void discardRestOfConnection() {
    closing = true;
    discarding = true;
  }

  /**
   * Ends the connection without losing the answer just written: a close with unread bytes in the socket (the rest of
   * a refused body) makes the kernel reset the connection, and a client still sending would then never read the
   * answer. So the output is shut down first (not under TLS), what still arrives is read and dropped, and the
   * connection closes when the client closes its side or after {@link #LINGER_MILLIS}.
   */
  private void lingeringClose(ChannelHandlerContext ctx) {
    discarding = true;
    closing = true;
    if (!(ctx.channel() instanceof DuplexChannel duplex) || !ctx.channel().isActive()) {
      ctx.close();
      return;
    }
    ctx.channel().config().setAutoRead(true);
    Runnable later = () -> ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    if (ctx.pipeline().get(SslHandler.class) != null) {
      // Under TLS a bare FIN would look like a truncated answer: the client closes on Connection: close instead.
      later.run();
    } else {
      duplex.shutdownOutput().addListener(f -> later.run());
    }
  }

  private void enqueue(ChannelHandlerContext ctx, Incoming incoming) {
    queue.add(incoming);
    if (queue.size() >= MAX_QUEUED) {
      ctx.channel().config().setAutoRead(false);
    }
    if (!busy) {
      next(ctx);
    }
  }

  /** Answers the next queued request, if there is one and none is in progress. */
  private void next(ChannelHandlerContext ctx) {
    while (!busy) {
      Incoming incoming = queue.poll();
      if (incoming == null) {
        // A closing connection is closed by the listener of its last write (or by lingeringClose), never here:
        // a close now could cut off that write.
        if (!closing && !ctx.channel().config().isAutoRead() && ctx.channel().isWritable()) {
          ctx.channel().config().setAutoRead(true);
        }
        return;
      }
      busy = true;
      boolean keepAlive = HttpUtil.isKeepAlive(incoming.head) && !incoming.tooLarge;
      CompletionStage<HttpResponse> response;
      if (listener.draining()) {
        response = CompletableFuture.completedFuture(EdgeResponses.unavailable());
        keepAlive = false;
      } else {
        HttpRequest request;
        try {
          request = NettyMessages.request(incoming.head, incoming.entity(),
              (InetSocketAddress) ctx.channel().remoteAddress());
        } catch (RuntimeException e) {
          // Not a URI even to relaxed parsing (Pekko's IllegalUriException): the client's error.
          request = null;
        }
        response = request == null
            ? CompletableFuture.completedFuture(EdgeResponses.invalidPath())
            : handler.apply(request);
      }
      CompletableFuture<HttpResponse> future = response.toCompletableFuture();
      boolean reuse = keepAlive;
      if (future.isDone() && !future.isCompletedExceptionally() && ctx.executor().inEventLoop()) {
        write(ctx, incoming, future.getNow(null), reuse);
      } else {
        answerWhenComplete(ctx, incoming, response, reuse);
        return;
      }
    }
  }

  /**
   * Writes the response once it completes, or Pekko HTTP's 503 after the request timeout (the late response is then
   * dropped and the connection closes after the 503).
   */
  private void answerWhenComplete(ChannelHandlerContext ctx, Incoming incoming, CompletionStage<HttpResponse> response,
      boolean reuse) {
    boolean[] settled = {false};  // only touched on this connection's event loop
    ScheduledFuture<?> timer = requestTimeout == null ? null : ctx.executor().schedule(() -> {
      if (!settled[0]) {
        settled[0] = true;
        log.warn("Edge request {} {} got no response within {}", incoming.head.method(), incoming.head.uri(),
            requestTimeout);
        write(ctx, incoming, EdgeResponses.timedOut(), false);
      }
    }, requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
    response.whenComplete((r, failure) -> ctx.executor().execute(() -> {
      if (settled[0]) {
        if (r != null) {
          r.discardEntityBytes(materializer);
        }
        return;
      }
      settled[0] = true;
      if (timer != null) {
        timer.cancel(false);
      }
      write(ctx, incoming, failure == null ? r : EdgeResponses.internalError(), reuse);
    }));
  }

  private void write(ChannelHandlerContext ctx, Incoming incoming, HttpResponse response, boolean keepAlive) {
    if (response == null) {
      response = EdgeResponses.internalError();
    }
    HttpVersion version = incoming.head.protocolVersion();
    boolean head = incoming.head.method().equals(io.netty.handler.codec.http.HttpMethod.HEAD);
    int code = response.status().intValue();
    boolean bodyless = code < 200 || code == 204 || code == 304;
    boolean reuse = keepAlive && !closing && !listener.draining() && !NettyMessages.asksToClose(response);
    HttpResponseStatus status = NettyMessages.status(response.status());
    HttpHeaders headers = NettyMessages.headers(response);
    ResponseEntity entity = response.entity();

    if (entity instanceof HttpEntity.Strict strict) {
      ByteString data = strict.getData();
      if (!bodyless) {
        headers.set(HttpHeaderNames.CONTENT_LENGTH, data.size());
      }
      connection(headers, version, reuse);
      DefaultFullHttpResponse full = new DefaultFullHttpResponse(version, status,
          head || bodyless ? io.netty.buffer.Unpooled.EMPTY_BUFFER : NettyMessages.buffer(data), headers,
          EmptyHttpHeaders.INSTANCE);
      ctx.writeAndFlush(full).addListener(written(ctx, reuse));
      // The next response may follow at once: writes leave in order.
      responded(ctx, reuse);
      return;
    }

    java.util.OptionalLong length = entity.getContentLengthOption();
    if (head || bodyless) {
      if (length.isPresent() && !bodyless) {
        headers.set(HttpHeaderNames.CONTENT_LENGTH, length.getAsLong());
      }
      entity.discardBytes(materializer);
      connection(headers, version, reuse);
      ctx.writeAndFlush(new DefaultFullHttpResponse(version, status, io.netty.buffer.Unpooled.EMPTY_BUFFER, headers,
          EmptyHttpHeaders.INSTANCE)).addListener(written(ctx, reuse));
      responded(ctx, reuse);
      return;
    }
    boolean stillReusable = reuse;
    if (length.isPresent()) {
      headers.set(HttpHeaderNames.CONTENT_LENGTH, length.getAsLong());
    } else if (version.minorVersion() >= 1 && !entity.isCloseDelimited()) {
      headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    } else {
      stillReusable = false;
    }
    boolean finalReuse = stillReusable;
    connection(headers, version, finalReuse);
    ctx.writeAndFlush(new DefaultHttpResponse(version, status, headers));
    entity.getDataBytes()
        .runWith(Sink.foreachAsync(1, bytes -> written(ctx.writeAndFlush(new DefaultHttpContent(
            NettyMessages.buffer(bytes))))), materializer)
        .whenComplete((done, failure) -> ctx.executor().execute(() -> {
          if (failure != null) {
            // The head is out: the only way to say the body is incomplete is to end the connection.
            log.warn("Edge response body failed for {} {}: {}", incoming.head.method(), incoming.head.uri(),
                failure.toString());
            ctx.close();
            return;
          }
          ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(written(ctx, finalReuse));
          responded(ctx, finalReuse);
        }));
  }

  private static void connection(HttpHeaders headers, HttpVersion version, boolean reuse) {
    if (!reuse) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (version.minorVersion() == 0) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
  }

  private ChannelFutureListener written(ChannelHandlerContext ctx, boolean reuse) {
    if (reuse) {
      return ChannelFutureListener.CLOSE_ON_FAILURE;
    }
    return discarding ? future -> lingeringClose(ctx) : ChannelFutureListener.CLOSE;
  }

  private static CompletionStage<Void> written(io.netty.channel.ChannelFuture write) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    write.addListener(f -> {
      if (f.isSuccess()) {
        done.complete(null);
      } else {
        done.completeExceptionally(f.cause());
      }
    });
    return done;
  }

  private void responded(ChannelHandlerContext ctx, boolean reuse) {
    busy = false;
    if (!reuse) {
      closing = true;
      queue.clear();
      return;
    }
    next(ctx);
  }

  private void reject(ChannelHandlerContext ctx, DecoderResult result) {
    Throwable cause = result.cause();
    HttpResponse response;
    if (cause instanceof TooLongHttpLineException) {
      response = EdgeResponses.uriTooLong();
    } else if (cause instanceof TooLongHttpHeaderException) {
      response = EdgeResponses.headersTooLarge();
    } else {
      response = EdgeResponses.badRequest();
    }
    reading = null;
    queue.clear();
    closing = true;
    if (busy) {
      // The answer in progress goes out first; this connection then ends.
      return;
    }
    busy = true;
    HttpHeaders headers = NettyMessages.headers(response);
    ByteString data = ((HttpEntity.Strict) response.entity()).getData();
    headers.set(HttpHeaderNames.CONTENT_LENGTH, data.size());
    headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, NettyMessages.status(response.status()),
        NettyMessages.buffer(data), headers, EmptyHttpHeaders.INSTANCE)).addListener(future -> lingeringClose(ctx));
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    // A client that does not read its responses stops being read from.
    if (!closing) {
      ctx.channel().config().setAutoRead(ctx.channel().isWritable() && queue.size() < MAX_QUEUED);
    }
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event instanceof IdleStateEvent && !busy) {
      ctx.close();
    } else if (event == NettyListener.DRAIN) {
      closing = true;
      if (!busy && reading == null && queue.isEmpty()) {
        ctx.close();
      }
    } else {
      super.userEventTriggered(ctx, event);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("Edge connection {} failed", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }
}
