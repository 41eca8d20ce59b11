package dev.ferry.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.edge.tls.CertifiedKey;
import dev.ferry.edge.tls.SelfSignedCertificates;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Debian's {@code pebble} (an RFC 8555 ACME test CA) and {@code pebble-challtestsrv} (a DNS server answering what
 * the test sets) as processes on loopback ports. Tests skip loudly when they are not installed ({@code .ci/run}
 * installs them). Pebble keeps its default nonce rejection and authorization reuse; only validation sleeps are off.
 */
public final class Pebble implements AutoCloseable {

  private final Path dir;
  private final int dnsPort;
  private final int challengeManagementPort;
  private final int acmePort;
  private final int managementPort;
  private final Path listenerCertificate;
  private final Path listenerTrustRoot;
  private final List<Process> processes = new ArrayList<>();
  private Process pebble;

  private Pebble(Path dir) throws IOException {
    this.dir = dir;
    this.dnsPort = freePort();
    this.challengeManagementPort = freePort();
    this.acmePort = freePort();
    this.managementPort = freePort();
    // Pebble's own HTTPS listener: a self-signed certificate for 127.0.0.1, the trust root Ferry is given.
    CertifiedKey listener = SelfSignedCertificates.create("EC", "pebble test listener", List.of("localhost"),
        List.of("127.0.0.1"), Duration.ofDays(1));
    this.listenerCertificate = Files.writeString(dir.resolve("pebble-listener.pem"), listener.toPem());
    this.listenerTrustRoot = Files.writeString(dir.resolve("pebble-listener-root.pem"), certificatePem(listener));
  }

  /** Starts the DNS server; {@link #startCa} starts the CA (separately, so a test can have it missing first). */
  public static Pebble startDns(Path dir) throws Exception {
    assumeTrue(installed("pebble") && installed("pebble-challtestsrv"),
        "SKIPPED: Debian's pebble package (pebble, pebble-challtestsrv) is not installed; .ci/run installs it");
    Pebble pebble = new Pebble(dir);
    pebble.processes.add(pebble.run("challtestsrv", Map.of(), "pebble-challtestsrv",
        "-dns01", "127.0.0.1:" + pebble.dnsPort, "-http01", "", "-https01", "", "-tlsalpn01", "",
        "-management", "127.0.0.1:" + pebble.challengeManagementPort, "-defaultIPv6", ""));
    awaitPort(pebble.challengeManagementPort);
    return pebble;
  }

  public static int freePort() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port = 20_000 + (int) (Math.random() * 12_000);
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return port;
      } catch (IOException taken) {
        // next
      }
    }
    throw new IOException("No free port between 20000 and 32000");
  }

  /**
   * Starts the CA on its (already chosen) port, validating HTTP-01 against {@code httpPort} on 127.0.0.1 and
   * resolving names through the test DNS. {@code validitySeconds}: lifetime of the certificates it issues.
   */
  public void startCa(int httpPort, long validitySeconds) throws Exception {
    Path config = dir.resolve("pebble-config.json");
    Files.writeString(config, """
        {"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
          "certificate": "%s", "privateKey": "%s", "httpPort": %d, "tlsPort": %d,
          "ocspResponderURL": "", "externalAccountBindingRequired": false, "certificateValidityPeriod": %d}}
        """.formatted(acmePort, managementPort, listenerCertificate, listenerCertificate, httpPort, freePort(),
        validitySeconds));
    pebble = run("pebble", Map.of("PEBBLE_VA_NOSLEEP", "1"), "pebble", "-config", config.toString(),
        "-dnsserver", dnsAddress());
    processes.add(pebble);
    awaitPort(acmePort);
    awaitPort(managementPort);
  }

  public String dnsAddress() {
    return "127.0.0.1:" + dnsPort;
  }

  /** The ACME directory (whether or not the CA runs yet). */
  public String directoryUrl() {
    return "https://127.0.0.1:" + acmePort + "/dir";
  }

  /** The PEM file to trust for the CA's own HTTPS listener. */
  public Path listenerTrustRoot() {
    return listenerTrustRoot;
  }

  private static String certificatePem(CertifiedKey key) throws IOException {
    java.io.StringWriter text = new java.io.StringWriter();
    try (org.bouncycastle.openssl.jcajce.JcaPEMWriter pem = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(text)) {
      pem.writeObject(key.certificate());
    }
    return text.toString();
  }

  /** Replaces the TXT values of {@code name}. */
  public void setTxt(String name, String value) throws Exception {
    challengeServer("/clear-txt", "{\"host\": \"" + name + ".\"}");
    challengeServer("/set-txt", "{\"host\": \"" + name + ".\", \"value\": \"" + value + "\"}");
  }

  /** The root the CA's certificates chain to (regenerated at every CA start). */
  public X509Certificate root() throws Exception {
    HttpResponse<byte[]> response = client(SSLContexts.trusting(List.of(listenerCertificate())))
        .send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + managementPort + "/roots/0")).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IOException("pebble /roots/0 answered " + response.statusCode());
    }
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(response.body()));
  }

  private X509Certificate listenerCertificate() throws IOException {
    return CertifiedKey.fromPem(Files.readString(listenerCertificate)).certificate();
  }

  private void challengeServer(String path, String json) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + challengeManagementPort + path))
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("challtestsrv " + path + " answered " + response.statusCode() + ": " + response.body());
    }
  }

  private static HttpClient client(SSLContext tls) {
    return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
  }

  private Process run(String name, Map<String, String> env, String... command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
    builder.environment().putAll(env);
    return builder.start();
  }

  public String log(String name) throws IOException {
    return Files.readString(dir.resolve(name + ".log"), StandardCharsets.UTF_8);
  }

  private static boolean installed(String command) {
    for (String path : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      if (Files.isExecutable(Path.of(path, command))) {
        return true;
      }
    }
    return false;
  }

  private static void awaitPort(int port) throws Exception {
    Instant deadline = Instant.now().plusSeconds(20);
    while (Instant.now().isBefore(deadline)) {
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IOException("Nothing listens on 127.0.0.1:" + port + " after 20 s");
  }

  @Override
  public void close() throws InterruptedException {
    for (Process process : processes) {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  /** TLS contexts that trust exactly the given certificates. */
  public static final class SSLContexts {
    private SSLContexts() {}

    public static SSLContext trusting(List<X509Certificate> roots) throws Exception {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      for (int i = 0; i < roots.size(); i++) {
        store.setCertificateEntry("root-" + i, roots.get(i));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    }
  }
}
