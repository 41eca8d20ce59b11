package dev.ferry.edge;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.common.Listener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.Host;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plain-HTTP listener at the protocol level (ADR 0018), with a handler of the test's own and a raw socket as the
 * client: order of pipelined answers, connection reuse, parser limits, framing of streamed bodies, request bodies and
 * draining. What the edge answers is tested through it in {@code EdgeServerTest} and its siblings.
 */
class NettyListenerTest {

  private static ActorTestKit testKit;
  private Listener listener;
  private final List<HttpRequest> seen = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startSystem() {
    testKit = ActorTestKit.create();
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  @AfterEach
  void stop() throws Exception {
    if (listener != null) {
      listener.terminate(Duration.ZERO).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private void start(Function<HttpRequest, CompletionStage<HttpResponse>> handler, long bodyLimit) throws Exception {
    listener = NettyListener.bind(testKit.system(), "127.0.0.1", 0, 1, request -> {
      seen.add(request);
      return handler.apply(request);
    }, () -> bodyLimit).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static CompletionStage<HttpResponse> text(String body) {
    return CompletableFuture.completedFuture(HttpResponse.create()
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, body)));
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket("127.0.0.1", listener.localAddress().getPort());
    socket.setSoTimeout(10_000);
    return socket;
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderEvenWhenTheFirstAnswerComesLast() throws Exception {
    CompletableFuture<HttpResponse> slow = new CompletableFuture<>();
    start(request -> request.getUri().path().equals("/slow") ? slow : text("fast"), 0);
    try (Socket socket = connect()) {
      socket.getOutputStream().write(("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n"
          + "GET /fast HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(ISO_8859_1));
      Thread.sleep(200);
      // The second request waits for the first: the handler has not seen it yet.
      assertEquals(1, seen.size());
      slow.complete(text("slow").toCompletableFuture().join());
      String answers = readUntil(socket.getInputStream(), "fast");
      assertTrue(answers.indexOf("slow") < answers.indexOf("fast"), answers);
      assertEquals(2, count(answers, "HTTP/1.1 200 OK"), answers);
    }
  }

  @Test
  void http10ClosesUnlessItAsksForKeepAlive() throws Exception {
    start(request -> text("hi"), 0);
    try (Socket socket = connect()) {
      socket.getOutputStream().write("GET / HTTP/1.0\r\nHost: a\r\n\r\n".getBytes(ISO_8859_1));
      String answer = readAll(socket.getInputStream());
      assertTrue(answer.startsWith("HTTP/1.0 200 OK"), answer);
      assertTrue(answer.toLowerCase().contains("connection: close"), answer);
    }
    try (Socket socket = connect()) {
      String request = "GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(ISO_8859_1));
      String first = readUntil(socket.getInputStream(), "hi");
      assertTrue(first.toLowerCase().contains("connection: keep-alive"), first);
      socket.getOutputStream().write(request.getBytes(ISO_8859_1));
      assertTrue(readUntil(socket.getInputStream(), "hi").startsWith("HTTP/1.0 200 OK"));
    }
  }

  @Test
  void everyAnswerCarriesServerDateAndTheEntitysHeaders() throws Exception {
    start(request -> text("hello"), 0);
    try (Socket socket = connect()) {
      socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(ISO_8859_1));
      String answer = readUntil(socket.getInputStream(), "hello").toLowerCase();
      assertTrue(answer.contains("server: ferry"), answer);
      assertTrue(answer.contains("date: "), answer);
      assertTrue(answer.contains("content-type: text/plain; charset=utf-8"), answer);
      assertTrue(answer.contains("content-length: 5"), answer);
    }
    HttpRequest request = seen.get(0);
    assertEquals("a", request.getHeader(Host.class).orElseThrow().host().address());
    assertEquals("/", request.getHeader(NettyMessages.RAW_REQUEST_URI).orElseThrow().value());
  }

  @Test
  void unreadableRequestsGet4xxAndTheConnectionCloses() throws Exception {
    start(request -> text("never"), 0);
    assertTrue(exchange("GET /" + "a".repeat(3000) + " HTTP/1.1\r\nHost: a\r\n\r\n").startsWith("HTTP/1.1 414"));
    assertTrue(exchange("GET / HTTP/1.1\r\nHost: a\r\nX: " + "b".repeat(12_000) + "\r\n\r\n")
        .startsWith("HTTP/1.1 431"));
    assertTrue(exchange("GET / HTTP/1.1\r\nHost a\r\n\r\n").startsWith("HTTP/1.1 400"));
    assertTrue(exchange("\u0001\u0002 nonsense\r\n\r\n").startsWith("HTTP/1.1 400"));
    assertEquals(0, seen.size());
  }

  @Test
  void streamedBodiesAreChunkedAndHeadSendsOnlyTheLength() throws Exception {
    start(request -> CompletableFuture.completedFuture(HttpResponse.create().withEntity(
        request.getUri().path().equals("/known")
            ? HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, 6, Source.from(List.of(ByteString.fromString("abc"),
                ByteString.fromString("def"))))
            : HttpEntities.createChunked(ContentTypes.TEXT_PLAIN_UTF8, Source.from(List.of(
                ByteString.fromString("one,"), ByteString.fromString("two"))).map(b -> b)))), 0);
    try (Socket socket = connect()) {
      socket.getOutputStream().write("GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(ISO_8859_1));
      String answer = readUntil(socket.getInputStream(), "\r\n0\r\n\r\n");
      assertTrue(answer.toLowerCase().contains("transfer-encoding: chunked"), answer);
      assertTrue(answer.contains("4\r\none,\r\n3\r\ntwo\r\n0\r\n\r\n"), answer);
      // The connection is still usable after a streamed answer.
      socket.getOutputStream().write("HEAD /known HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
          .getBytes(ISO_8859_1));
      String head = readAll(socket.getInputStream());
      assertTrue(head.toLowerCase().contains("content-length: 6"), head);
      assertFalse(head.contains("abcdef"), head);
    }
  }

  @Test
  void bodiesAreCollectedUpToTheLimitAndALargerDeclaredOneIsRefusedFromItsLength() throws Exception {
    start(request -> {
      HttpEntity entity = request.entity();
      long length = entity.getContentLengthOption().orElse(-1);
      if (length > 10) {
        return CompletableFuture.completedFuture(HttpResponse.create().withStatus(413));
      }
      return text("got " + ((HttpEntity.Strict) entity).getData().utf8String() + " as " + entity.getContentType());
    }, 10);
    try (Socket socket = connect()) {
      socket.getOutputStream().write(("POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n2\r\n\"}\r\n0\r\n\r\n").getBytes(ISO_8859_1));
      assertTrue(readUntil(socket.getInputStream(), "application/json").contains("got {\"a\"} as application/json"));
    }
    try (Socket socket = connect()) {
      socket.getOutputStream().write("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789"
          .getBytes(ISO_8859_1));
      // Answered without waiting for the other 90 bytes, then closed: they are not read as a request.
      String answer = readAll(socket.getInputStream());
      assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
      assertTrue(answer.toLowerCase().contains("connection: close"), answer);
    }
  }

  @Test
  void aClientThatKeepsSendingARefusedBodyStillReadsTheAnswer() throws Exception {
    start(request -> CompletableFuture.completedFuture(HttpResponse.create().withStatus(413)), 1000);
    sendRefusedBodies("http", java.net.http.HttpClient.newHttpClient());
  }

  @Test
  void overTlsTooARefusedBodyLeavesTheAnswerReadable() throws Exception {
    listener = NettyListener.bind(testKit.system(), "127.0.0.1", 0, 1,
        request -> CompletableFuture.completedFuture(HttpResponse.create().withStatus(413)), () -> 1000,
        dev.ferry.edge.tls.EdgeTls.serverContext(dev.ferry.edge.tls.LocalCertificateStore.inMemory(),
            dev.ferry.edge.tls.DevelopmentCertificate.loadOrCreate(Files.createTempDirectory("certs"))))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    sendRefusedBodies("https", java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1)
        .sslContext(dev.ferry.edge.tls.TrustAll.context()).build());
  }

  /**
   * Java's client sends the whole body without waiting for 100-continue, and gives up on the exchange when a write
   * fails: a close with the body unread (a reset) would lose the 413 that was already sent.
   */
  private void sendRefusedBodies(String scheme, java.net.http.HttpClient client) throws Exception {
    for (int i = 0; i < 20; i++) {
      java.net.http.HttpResponse<String> answer = client.send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create(scheme + "://127.0.0.1:" + listener.localAddress().getPort() + "/"))
          .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[8 * 1024 * 1024]))
          .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(413, answer.statusCode());
    }
  }

  @Test
  void drainingFinishesTheRequestInFlightAndTakesNoNewConnections() throws Exception {
    CompletableFuture<HttpResponse> pending = new CompletableFuture<>();
    start(request -> pending, 0);
    int port = listener.localAddress().getPort();
    try (Socket socket = connect()) {
      socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(ISO_8859_1));
      await(() -> !seen.isEmpty(), "the request reached the handler");
      CompletionStage<Void> terminated = listener.terminate(Duration.ofSeconds(10));
      await(() -> refusesConnections(port), "the listener stopped accepting");
      assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
      assertFalse(terminated.toCompletableFuture().isDone());
      pending.complete(text("done").toCompletableFuture().join());
      String answer = readAll(socket.getInputStream());
      assertTrue(answer.startsWith("HTTP/1.1 200 OK"), answer);
      assertTrue(answer.toLowerCase().contains("connection: close"), answer);
      terminated.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    listener = null;
  }

  @Test
  void aResponseLaterThanTheRequestTimeoutIs503AndIdleConnectionsClose() throws Exception {
    ActorTestKit quick = ActorTestKit.create("quick", com.typesafe.config.ConfigFactory.parseString(
        "pekko.http.server.request-timeout = 300 ms\npekko.http.server.idle-timeout = 600 ms")
        .withFallback(com.typesafe.config.ConfigFactory.load()));
    CompletableFuture<HttpResponse> never = new CompletableFuture<>();
    try {
      listener = NettyListener.bind(quick.system(), "127.0.0.1", 0, 1,
          request -> request.getUri().path().equals("/never") ? never : text("ok"), () -> 0)
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      try (Socket socket = connect()) {
        socket.getOutputStream().write("GET /never HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(ISO_8859_1));
        String answer = readAll(socket.getInputStream());
        assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
        assertTrue(answer.contains("timely response"), answer);
      }
      try (Socket socket = connect()) {
        socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(ISO_8859_1));
        long started = System.nanoTime();
        // Answered, then kept open until the idle timeout closes it.
        assertTrue(readAll(socket.getInputStream()).endsWith("ok"));
        assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(500));
      }
      listener.terminate(Duration.ZERO).toCompletableFuture().get(10, TimeUnit.SECONDS);
      listener = null;
    } finally {
      quick.shutdownTestKit();
    }
  }

  private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 10 s: " + what);
      }
      Thread.sleep(5);
    }
  }

  private static boolean refusesConnections(int port) {
    try (Socket probe = new Socket("127.0.0.1", port)) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private String exchange(String request) throws IOException {
    try (Socket socket = connect()) {
      try {
        socket.getOutputStream().write(request.getBytes(ISO_8859_1));
      } catch (IOException e) {
        // answered and closed before all was written
      }
      return readAll(socket.getInputStream());
    }
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int n; (n = in.read(buffer)) > 0; ) {
        bytes.write(buffer, 0, n);
      }
    } catch (java.net.SocketException e) {
      // a reset after the answer
    }
    return bytes.toString(ISO_8859_1);
  }

  private static String readUntil(InputStream in, String marker) throws IOException {
    StringBuilder text = new StringBuilder();
    byte[] buffer = new byte[8192];
    while (text.indexOf(marker) < 0) {
      int n = in.read(buffer);
      if (n < 0) {
        break;
      }
      text.append(new String(buffer, 0, n, ISO_8859_1));
    }
    return text.toString();
  }

  private static int count(String text, String part) {
    int count = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      count++;
    }
    return count;
  }
}
