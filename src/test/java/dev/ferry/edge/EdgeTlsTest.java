package dev.ferry.edge;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.ferry.edge.tls.CertifiedKey;
import dev.ferry.edge.tls.DevelopmentCertificate;
import dev.ferry.edge.tls.EdgeTls;
import dev.ferry.edge.tls.LocalCertificateStore;
import dev.ferry.edge.tls.SelfSignedCertificates;
import dev.ferry.edge.tls.TrustAll;
import dev.ferry.storage.Manifest;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import dev.ferry.common.Listener;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTPS listener: certificates by SNI, HTTP/2 by ALPN, and the plain listener's redirects to it; run once per TLS
 * engine by its subclasses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EdgeTlsTest {

  /** The TLS engine under test: BoringSSL where it loads, and the JDK's, which the edge falls back to. */
  abstract SslProvider provider();


  static {
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
  }

  private static final String SECURE = "secure.ferry.test";
  private static final String WILD = "shop.wild.ferry.test";
  private static final String LOCAL = "site.localhost";

  // Made in start(): JUnit fills @TempDir instance fields only before each test, after @BeforeAll.
  private Path storeDir;
  private Path certsDir;

  private ActorSystem<Void> system;
  private Listener plain;
  private Listener tls;
  private LocalCertificateStore certificates;
  private CertifiedKey development;
  private int plainPort;
  private int tlsPort;
  private HttpClient http2;

  @BeforeAll
  void start() throws Exception {
    storeDir = Files.createTempDirectory("edge-tls-store");
    certsDir = Files.createTempDirectory("edge-tls-certs");
    TempDirBlobStore blobs = new TempDirBlobStore(storeDir);
    Manifest.FileEntry index = blobs.putContent("<h1>secure home</h1>".getBytes(UTF_8), "text/html; charset=utf-8");
    Manifest.FileEntry page = blobs.putContent("<h1>docs</h1>".getBytes(UTF_8), "text/html; charset=utf-8");
    blobs.putManifest("dep-tls", new Manifest("dep-tls", Map.of("index.html", index, "docs/index.html", page)));

    certificates = LocalCertificateStore.inMemory();
    certificates.put(SECURE, SelfSignedCertificates.create("EC", SECURE, List.of(SECURE), List.of(),
        Duration.ofDays(30)));
    certificates.put("*.wild.ferry.test", SelfSignedCertificates.create("RSA", "*.wild.ferry.test",
        List.of("*.wild.ferry.test"), List.of(), Duration.ofDays(30)));
    development = DevelopmentCertificate.loadOrCreate(certsDir);

    system = ActorSystem.create(Behaviors.empty(), "edge-tls-test", ConfigFactory
        .parseString("pekko.actor.provider = local\npekko.loglevel = WARNING")
        .withFallback(ConfigFactory.load()));
    EdgeServer edge = new EdgeServer(system, host -> Optional.of("dep-tls"), blobs,
        EdgeServer.Options.defaults().withCertificates(certificates));
    edge.answerAcmeChallengesWith(token -> token.equals("known-token") ? Optional.of("known-token.thumbprint")
        : Optional.empty());
    plain = edge.start("127.0.0.1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
    tls = edge.startTls("127.0.0.1", 0, EdgeTls.serverContext(certificates, development, provider()))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    plainPort = plain.localAddress().getPort();
    tlsPort = tls.localAddress().getPort();
    http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(TrustAll.context()).build();
  }

  @AfterAll
  void stop() throws Exception {
    for (Listener binding : new Listener[] {plain, tls}) {
      if (binding != null) {
        binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    }
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    for (Path dir : new Path[] {storeDir, certsDir}) {
      if (dir != null) {
        try (var files = Files.walk(dir)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
      }
    }
  }

  @Test
  void sniPicksTheHostsOwnCertificate() throws Exception {
    X509Certificate presented = handshake(SECURE);
    assertEquals(List.of(SECURE), dnsNames(presented));
    assertTrue(presented.getSubjectX500Principal().getName().contains("CN=" + SECURE));
    assertEquals("EC", presented.getPublicKey().getAlgorithm());
  }

  @Test
  void sniFallsBackToTheWildcardOfTheParentDomain() throws Exception {
    X509Certificate presented = handshake(WILD);
    assertEquals(List.of("*.wild.ferry.test"), dnsNames(presented));
    assertEquals("RSA", presented.getPublicKey().getAlgorithm());
  }

  @Test
  void localhostUnknownHostsAndNoSniGetTheDevelopmentCertificate() throws Exception {
    for (String host : new String[] {LOCAL, "localhost", "deep.shop.wild.ferry.test", "unknown.example", null}) {
      X509Certificate presented = handshake(host);
      assertEquals(development.certificate(), presented, String.valueOf(host));
      assertEquals(List.of("localhost", "*.localhost"), dnsNames(presented));
    }
  }

  @Test
  void aCertificateAddedAfterStartIsUsedByTheNextHandshake() throws Exception {
    String late = "late.ferry.test";
    assertEquals(development.certificate(), handshake(late));
    assertEquals(200, plainGet(late, "/").status());

    certificates.put(late, SelfSignedCertificates.create("EC", late, List.of(late), List.of(), Duration.ofDays(1)));

    assertEquals(List.of(late), dnsNames(handshake(late)));
    assertEquals(308, plainGet(late, "/").status());
  }

  @Test
  void http2IsNegotiatedByAlpn() throws Exception {
    HttpResponse<String> response = http2.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + tlsPort + "/"))
        .header("Host", SECURE).timeout(Duration.ofSeconds(10)).build(), BodyHandlers.ofString());

    assertEquals(HttpClient.Version.HTTP_2, response.version());
    assertEquals(200, response.statusCode());
    assertEquals("<h1>secure home</h1>", response.body());
    assertEquals(List.of("ferry"), response.headers().allValues("server"));
    assertEquals(Optional.of("nosniff"), response.headers().firstValue("x-content-type-options"));
  }

  @Test
  void http2HeadSendsNoBody() throws Exception {
    HttpResponse<byte[]> response = http2.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + tlsPort + "/"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody())
        .header("Host", SECURE).timeout(Duration.ofSeconds(10)).build(), BodyHandlers.ofByteArray());

    assertEquals(HttpClient.Version.HTTP_2, response.version());
    assertEquals(200, response.statusCode());
    assertEquals(0, response.body().length);
    assertTrue(response.headers().firstValue("etag").isPresent());
  }

  @Test
  void http2RequestsWithoutHostHeaderAreRoutedByAuthority() throws Exception {
    // The JDK client sends :authority only; an unroutable IP would still get the unknown-host page, so a route
    // lookup that answers for any host shows the request got past host resolution.
    HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
        .sslContext(TrustAll.context()).build()
        .send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + tlsPort + "/docs/"))
            .timeout(Duration.ofSeconds(10)).build(), BodyHandlers.ofString());
    assertEquals(HttpClient.Version.HTTP_2, response.version());
    assertEquals("<h1>docs</h1>", response.body());
  }

  @Test
  void http11OverTlsWithSniServesTheSite() throws Exception {
    RawHttp.Response response = tlsGet(SECURE, "/docs/");
    assertEquals(200, response.status());
    assertEquals("<h1>docs</h1>", response.bodyText());
  }

  @Test
  void plainHttpRedirectsHostsWithACertificateKeepingPathAndQuery() throws Exception {
    RawHttp.Response exact = plainGet(SECURE, "/docs/?q=1&x=%20");
    assertEquals(308, exact.status());
    assertEquals(Optional.of("https://" + SECURE + ":" + tlsPort + "/docs/?q=1&x=%20"), exact.header("Location"));

    RawHttp.Response wildcard = plainGet(WILD, "/a");
    assertEquals(308, wildcard.status());
    assertEquals(Optional.of("https://" + WILD + ":" + tlsPort + "/a"), wildcard.header("Location"));

    RawHttp.Response post = RawHttp.send(plainPort, "POST", "/form", SECURE, "Content-Length: 0");
    assertEquals(308, post.status(), "308 keeps the method, so forms survive the move to HTTPS");
  }

  @Test
  void plainHttpIsServedForDevelopmentHostsAndAcmeChallenges() throws Exception {
    RawHttp.Response local = plainGet(LOCAL, "/");
    assertEquals(200, local.status());
    assertEquals("<h1>secure home</h1>", local.bodyText());

    RawHttp.Response challenge = plainGet(SECURE, "/.well-known/acme-challenge/token123");
    assertEquals(404, challenge.status(), "answered over plain HTTP, never redirected");
    assertEquals(Optional.empty(), challenge.header("Location"));
  }

  @Test
  void pendingAcmeChallengesAreAnsweredWithTheirKeyAuthorization() throws Exception {
    for (String host : List.of(SECURE, LOCAL, "not-yet-served.example.com")) {
      RawHttp.Response challenge = plainGet(host, "/.well-known/acme-challenge/known-token");
      assertEquals(200, challenge.status(), host);
      assertEquals("known-token.thumbprint", challenge.bodyText());
    }
    assertEquals(404, plainGet(SECURE, "/.well-known/acme-challenge/").status());
  }

  @Test
  void theSameHostOverHttpsIsServedNotRedirected() throws Exception {
    assertEquals(200, tlsGet(SECURE, "/").status());
  }

  private RawHttp.Response plainGet(String host, String target) throws Exception {
    return RawHttp.send(plainPort, "GET", target, host);
  }

  /** A TLS handshake with the given SNI name (none when null); returns the server's leaf certificate. */
  private X509Certificate handshake(String sniHost) throws Exception {
    try (SSLSocket socket = socket(sniHost)) {
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  private RawHttp.Response tlsGet(String host, String target) throws Exception {
    try (SSLSocket socket = socket(host)) {
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream raw = new ByteArrayOutputStream();
      in.transferTo(raw);
      return RawHttp.parse(raw.toByteArray());
    }
  }

  private SSLSocket socket(String sniHost) throws Exception {
    SSLSocket socket = (SSLSocket) TrustAll.context().getSocketFactory().createSocket("127.0.0.1", tlsPort);
    socket.setSoTimeout(10_000);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setServerNames(sniHost == null ? List.of() : List.of(new SNIHostName(sniHost)));
    socket.setSSLParameters(parameters);
    return socket;
  }

  private static List<String> dnsNames(X509Certificate certificate) throws Exception {
    return certificate.getSubjectAlternativeNames().stream()
        .filter(entry -> (Integer) entry.get(0) == 2)
        .map(entry -> (String) entry.get(1))
        .toList();
  }
}
