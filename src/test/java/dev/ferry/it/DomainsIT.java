package dev.ferry.it;

import static dev.ferry.it.ApiClient.assertProblem;
import static dev.ferry.it.ApiClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.cli.Cli;
import dev.ferry.cli.CliEnvironment;
import dev.ferry.testing.Pebble;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Custom domains end to end on a real node, with Debian's pebble as the ACME CA and pebble-challtestsrv as the DNS
 * both use: bad names (400), a domain another project holds (409), a wrong TXT value (not verified, and why), the
 * right one (verified, routed to production), an ACME server that is not there yet (certificate failed, retried,
 * then issued once it is), HTTPS with SNI trusting Pebble's root, HTTP → HTTPS 308, renewal with short-lived
 * certificates, the audit trail, the CLI, and removal (no longer served, claim released).
 */
class DomainsIT {

  private static final Duration BUILD_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration CERTIFICATE_TIMEOUT = Duration.ofSeconds(90);
  private static final String DOMAIN = "www.shop-it.example.com";
  private static final String SITE = "<h1>shop on its own domain</h1>";

  @TempDir
  Path temp;

  private FerryProcess node;
  private Pebble pebble;

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (pebble != null) {
      pebble.close();
    }
  }

  @Test
  void aCustomDomainIsVerifiedCertifiedServedOverHttpsRenewedAndRemoved() throws Exception {
    pebble = Pebble.startDns(Files.createDirectories(temp.resolve("pebble")));
    int tlsPort = FerryProcess.freePort();
    node = new FerryProcess(temp.resolve("data"), Map.ofEntries(
        Map.entry("FERRY_ALLOW_LOCAL_REPOS", "true"),
        Map.entry("FERRY_EDGE_TLS_PORT", Integer.toString(tlsPort)),
        Map.entry("FERRY_ACME_DIRECTORY_URL", pebble.directoryUrl()),
        Map.entry("FERRY_ACME_TRUST_ROOT", pebble.listenerTrustRoot().toString()),
        Map.entry("FERRY_DNS_RESOLVER", pebble.dnsAddress()),
        Map.entry("FERRY_DOMAINS_CNAME_TARGET", "edge.ferry-it.example.com"),
        Map.entry("FERRY_DOMAINS_A_TARGETS", "127.0.0.1"),
        Map.entry("FERRY_DOMAINS_CHECK_BACKOFF", "1s,2s"),
        Map.entry("FERRY_DOMAINS_POLL_INTERVAL", "1s"),
        Map.entry("FERRY_ACME_RETRY_BACKOFF", "2s"),
        Map.entry("FERRY_ACME_RENEW_BEFORE", "45s"))).start();

    ApiClient owner = new ApiClient(node.api(), node.edge());
    owner.signUp("domain-owner@example.com");
    Path repo = temp.resolve("repo");
    commitSite(repo);
    assertEquals(201, owner.post("/api/v1/projects", """
        {"name": "shop", "gitRepoUrl": "%s"}""".formatted(repo.toUri())).status());
    owner.deployAndAwait("shop", "{}", "READY", BUILD_TIMEOUT);
    String domains = "/api/v1/projects/shop/domains";

    // Names are validated.
    for (String bad : List.of("not a domain", "127.0.0.1", "[::1]", "localhost", "shop.localhost", "com",
        "a".repeat(64) + ".example.com", "x".repeat(250) + ".com")) {
      assertProblem(owner.post(domains, "{\"name\": \"" + bad + "\"}"), 400, "invalid fields");
    }
    ApiClient.Response added = owner.post(domains, "{\"name\": \"WWW.Shop-IT.Example.COM.\"}");
    assertEquals(201, added.status(), added.body());
    JsonNode domain = added.json();
    assertEquals(DOMAIN, domain.get("name").asText());
    assertFalse(domain.get("verified").asBoolean());
    assertEquals("pending", domain.get("certificate").get("status").asText());
    String token = record(domain, "TXT", "_ferry-challenge." + DOMAIN);
    assertEquals("edge.ferry-it.example.com", record(domain, "CNAME", DOMAIN));
    ApiClient.Response apex = owner.post(domains, "{\"name\": \"bücher-shop.example\"}");
    assertEquals(201, apex.status(), apex.body());
    assertEquals("xn--bcher-shop-9db.example", apex.json().get("name").asText());
    assertEquals("127.0.0.1", record(apex.json(), "A", "xn--bcher-shop-9db.example"));

    // Another user's project cannot have it; nor can they see this project's domains.
    ApiClient other = new ApiClient(node.api(), node.edge());
    other.signUp("domain-other@example.com");
    assertEquals(201, other.post("/api/v1/projects", "{\"name\": \"other\"}").status());
    assertProblem(other.post("/api/v1/projects/other/domains", "{\"name\": \"" + DOMAIN + "\"}"), 409,
        "already in use");
    assertEquals(404, other.get(domains).status());
    assertEquals(404, other.post(domains + "/" + DOMAIN + "/verify", "{}").status());

    // A wrong TXT value does not verify, and the answer says what was found.
    pebble.setTxt("_ferry-challenge." + DOMAIN, "someone-elses-value");
    JsonNode checked = owner.post(domains + "/" + DOMAIN + "/verify", "{}").json();
    assertFalse(checked.get("verified").asBoolean(), checked.toString());
    assertTrue(checked.get("verificationReason").asText().contains("someone-elses-value"), checked.toString());
    Thread.sleep(3000); // the worker's own checks find the same
    assertEquals("pending", owner.get(domains + "/" + DOMAIN).json().get("verificationStatus").asText());

    // The right one verifies (the worker finds it on its schedule), and the domain serves production.
    pebble.setTxt("_ferry-challenge." + DOMAIN, token);
    await(Duration.ofSeconds(20), () -> owner.get(domains + "/" + DOMAIN).json(),
        d -> d.get("verified").asBoolean());
    await(Duration.ofSeconds(10), () -> owner.edge("GET", DOMAIN, "/"), r -> r.status() == 200);
    assertTrue(owner.edge("GET", DOMAIN, "/").body().contains(SITE));

    // The CA is not reachable yet: the certificate fails, visibly, and is retried.
    JsonNode failed = await(Duration.ofSeconds(30), () -> owner.get(domains + "/" + DOMAIN).json(),
        d -> d.get("certificate").path("failures").asInt() >= 2);
    assertEquals("failed", failed.get("certificate").get("status").asText(), failed.toString());
    assertFalse(failed.get("certificate").get("reason").asText().isBlank(), failed.toString());

    // Once it is, the retry gets a certificate: nothing was lost.
    pebble.startCa(node.edgePort(), 60);
    JsonNode active = await(CERTIFICATE_TIMEOUT, () -> owner.get(domains + "/" + DOMAIN).json(),
        d -> d.get("certificate").get("status").asText().equals("active"));
    assertTrue(active.get("certificate").has("expiresAt"), active.toString());

    // A fresh TLS context per request: a resumed session would show the certificate of its first handshake.
    X509Certificate pebbleRoot = pebble.root();
    ThrowingTrust trustPebble = () -> Pebble.SSLContexts.trusting(List.of(pebbleRoot));
    Served served = await(Duration.ofSeconds(15), () -> httpsGetOrNull(tlsPort, DOMAIN, trustPebble.get()),
        s -> s != null);
    assertTrue(served.response().startsWith("HTTP/1.1 200"), served.response());
    assertTrue(served.response().contains(SITE), served.response());

    ApiClient.Response plain = owner.edge("GET", DOMAIN, "/cart?x=1");
    assertEquals(308, plain.status(), plain.body());
    assertEquals("https://" + DOMAIN + ":" + tlsPort + "/cart?x=1", plain.header("Location"));
    assertEquals(404, owner.edge("GET", DOMAIN, "/.well-known/acme-challenge/unknown-token").status());

    // Renewal: certificates live 60 s here and are renewed 45 s before they expire.
    await(Duration.ofSeconds(90), () -> eventTypes(owner), types -> types.contains("CertificateRenewed"));
    await(Duration.ofSeconds(15), () -> httpsGetOrNull(tlsPort, DOMAIN, trustPebble.get()),
        s -> s != null && !s.serial().equals(served.serial()));

    List<String> types = eventTypes(owner);
    for (String type : List.of("DomainAdded", "DomainVerified", "CertificateFailed", "CertificateIssued",
        "CertificateRenewed")) {
      assertTrue(types.contains(type), type + " in " + types);
    }
    String audit = owner.get("/api/v1/projects/shop/events?limit=1000").body();
    assertTrue(audit.contains("\"sealedCertificate\":\"[redacted]\""), audit);
    assertFalse(audit.contains("PRIVATE KEY"));

    // The CLI lists it.
    String listed = cli(owner, "domains", "ls", "-p", "shop", "--json");
    assertTrue(listed.contains(DOMAIN), listed);

    // Removed: not served any more, and the name is free for others.
    assertEquals(204, owner.delete(domains + "/" + DOMAIN).status());
    await(Duration.ofSeconds(10), () -> owner.edge("GET", DOMAIN, "/").status(), status -> status == 404);
    await(Duration.ofSeconds(10), () -> handshakeFails(tlsPort, DOMAIN, trustPebble.get()), failedNow -> failedNow);
    assertEquals(201, other.post("/api/v1/projects/other/domains", "{\"name\": \"" + DOMAIN + "\"}").status());
    assertFalse(node.log().contains("PRIVATE KEY"));
  }

  private static String record(JsonNode domain, String type, String name) {
    for (JsonNode record : domain.get("verification")) {
      if (record.get("type").asText().equals(type) && record.get("name").asText().equals(name)) {
        return record.get("value").asText();
      }
    }
    throw new AssertionError("No " + type + " record " + name + " in " + domain);
  }

  private static List<String> eventTypes(ApiClient client) throws Exception {
    List<String> types = new ArrayList<>();
    client.get("/api/v1/projects/shop/events?limit=1000").json().get("items")
        .forEach(item -> types.add(item.get("type").asText()));
    return types;
  }

  private String cli(ApiClient client, String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Path home = Files.createDirectories(temp.resolve("cli-home"));
    String token = client.post("/api/v1/tokens", "{\"name\": \"cli\"}").json().get("token").asText();
    CliEnvironment env = new CliEnvironment(Map.of("HOME", home.toString(), "XDG_CONFIG_HOME",
        home.resolve("xdg").toString(), "FERRY_API", node.api(), "FERRY_TOKEN", token), home,
        new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), null);
    int exit = Cli.run(env, args);
    assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  private record Served(BigInteger serial, String response) {}

  private interface ThrowingTrust {
    SSLContext get() throws Exception;
  }

  /** GET / over TLS to the edge with SNI {@code host}, verifying the certificate for it; null when it fails. */
  private static Served httpsGetOrNull(int port, String host, SSLContext trust) {
    try {
      return httpsGet(port, host, trust);
    } catch (Exception e) {
      return null;
    }
  }

  private static boolean handshakeFails(int port, String host, SSLContext trust) {
    try {
      httpsGet(port, host, trust);
      return false;
    } catch (SSLException e) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static Served httpsGet(int port, String host, SSLContext trust) throws Exception {
    try (Socket raw = new Socket("127.0.0.1", port);
        SSLSocket socket = (SSLSocket) trust.getSocketFactory().createSocket(raw, host, port, true)) {
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      parameters.setServerNames(List.of(new SNIHostName(host)));
      socket.setSSLParameters(parameters);
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      X509Certificate leaf = (X509Certificate) socket.getSession().getPeerCertificates()[0];
      socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      return new Served(leaf.getSerialNumber(),
          new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static void commitSite(Path repo) throws Exception {
    Files.createDirectories(repo);
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("index.html"), SITE);
      git.add().addFilepattern(".").call();
      git.commit().setMessage("Shop").setAuthor("Dev", "dev@example.com").setCommitter("Dev", "dev@example.com")
          .call();
    }
  }
}
