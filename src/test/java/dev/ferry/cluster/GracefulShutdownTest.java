package dev.ferry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.ferry.health.NodeHealth;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Coordinated shutdown of a real Pekko HTTP server registered the way {@code FerryNode} registers the API and the
 * edge: a request in flight when the shutdown starts still gets its answer, new connections are refused at once, and a
 * request that does not finish is cut off at the deadline instead of holding the node up.
 */
class GracefulShutdownTest {

  private ActorSystem<Void> system;
  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void startSystem() {
    system = ActorSystem.create(Behaviors.empty(), "drain-test", ConfigFactory.parseString("""
        pekko.actor.provider = local
        pekko.coordinated-shutdown.phases.service-requests-done.timeout = 30 s
        """).withFallback(ConfigFactory.load()));
  }

  @AfterEach
  void stopSystem() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aRequestInFlightFinishesDuringShutdownWhileNewConnectionsAreRefused() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CompletableFuture<org.apache.pekko.http.javadsl.model.HttpResponse> answer = new CompletableFuture<>();
    int port = bind(arrived, answer, Duration.ofSeconds(20));

    // A plain socket: an HTTP client library would silently retry a GET whose connection closed, hiding a cut-off.
    CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> exchange(port, "/slow"));
    assertTrue(arrived.await(10, TimeUnit.SECONDS), "the request reached the server");

    CompletionStage<Done> shutdown = CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason());
    awaitRefused(port, Duration.ofSeconds(10));
    assertFalse(inFlight.isDone(), "the request is still waiting for its answer after the unbind");
    assertFalse(shutdown.toCompletableFuture().isDone(), "shutdown waits for the request in flight");

    answer.complete(org.apache.pekko.http.javadsl.model.HttpResponse.create()
        .withEntity(HttpEntities.create("finished after the unbind")));
    String response = inFlight.get(10, TimeUnit.SECONDS);
    assertTrue(response.startsWith("HTTP/1.1 200 "), response);
    assertTrue(response.endsWith("\r\n\r\nfinished after the unbind"), response);
    shutdown.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aRequestThatOutlivesTheDeadlineIsCutOffAndShutdownGoesOn() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    int port = bind(arrived, new CompletableFuture<>(), Duration.ofMillis(1500));
    CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/never")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertTrue(arrived.await(10, TimeUnit.SECONDS));

    Instant started = Instant.now();
    CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason()).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    Duration took = Duration.between(started, Instant.now());
    assertTrue(took.compareTo(Duration.ofMillis(1400)) >= 0, "waited for the deadline: " + took);
    try {
      HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
      assertEquals(503, response.statusCode(), "cut off: " + response.body());
    } catch (ExecutionException closed) {
      assertTrue(closed.getCause() instanceof IOException, closed.toString()); // or the connection was closed
    }
  }

  @Test
  void theNodeIsNotReadyOnceShutdownHasBegun() throws Exception {
    CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason());
    // No database is asked: a node on its way out is not ready whatever its database says.
    NodeHealth.Readiness readiness = new NodeHealth(system, null).readiness().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    assertFalse(readiness.ready());
    assertEquals("This node is shutting down", readiness.problem());
  }

  /** A server whose every request waits for {@code answer}, drained for {@code deadline} on shutdown. */
  private int bind(CountDownLatch arrived, CompletableFuture<org.apache.pekko.http.javadsl.model.HttpResponse> answer,
      Duration deadline) throws Exception {
    org.apache.pekko.japi.function.Function<org.apache.pekko.http.javadsl.model.HttpRequest,
        CompletionStage<org.apache.pekko.http.javadsl.model.HttpResponse>> handler = request -> {
          request.discardEntityBytes(system);
          arrived.countDown();
          return answer;
        };
    ServerBinding binding = Http.get(system).newServerAt("127.0.0.1", 0).bind(handler)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    GracefulShutdown.drainOnShutdown(binding, system, deadline, "Test server");
    return binding.localAddress().getPort();
  }

  /** One request on its own connection; answers everything the server sent until it closed the connection. */
  private static String exchange(int port, String path) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void awaitRefused(int port, Duration timeout) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      } catch (IOException refused) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("port " + port + " still accepts connections after " + timeout);
  }
}
