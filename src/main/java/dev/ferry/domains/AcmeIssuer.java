package dev.ferry.domains;

import dev.ferry.edge.tls.CertifiedKey;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;
import org.shredzone.acme4j.Account;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.OrderBuilder;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.connector.HttpConnector;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Orders a certificate for one domain from the configured ACME directory with acme4j: logs in with (or registers)
 * the account key, answers each pending authorization's HTTP-01 challenge through {@link AcmeChallenges} (any edge
 * can answer it), finalizes with a fresh P-256 key and downloads the chain. acme4j retries rejected nonces itself;
 * authorizations the CA reuses (already valid) need no challenge. Blocking.
 */
public final class AcmeIssuer {

  private static final Logger log = LoggerFactory.getLogger(AcmeIssuer.class);
  /** How long a node may take to see a published challenge token in its local copy. */
  private static final Duration PUBLISH_WAIT = Duration.ofSeconds(5);

  private final DomainSettings settings;
  private final AcmeChallenges challenges;
  private final SSLContext trust;

  public AcmeIssuer(DomainSettings settings, AcmeChallenges challenges) {
    this.settings = settings;
    this.challenges = challenges;
    this.trust = settings.acmeTrustRoot().isEmpty() ? null : trustContext(Path.of(settings.acmeTrustRoot()));
  }

  /** A new account key (P-256), as PEM. */
  public static String newAccountKeyPem() {
    return KeyPairs.toPem(KeyPairs.newEcKeyPair());
  }

  public CertifiedKey order(String accountKeyPem, String domain) throws AcmeException, InterruptedException {
    Session session = new Session(URI.create(settings.acmeDirectoryUrl()), new Provider(trust));
    AccountBuilder accountBuilder = new AccountBuilder().agreeToTermsOfService()
        .useKeyPair(KeyPairs.fromPem(accountKeyPem));
    if (!settings.acmeContactEmail().isEmpty()) {
      accountBuilder.addEmail(settings.acmeContactEmail());
    }
    Account account = accountBuilder.create(session); // the existing account when the key is registered
    OrderBuilder orderBuilder = account.newOrder().domain(domain);
    if (!settings.certificateLifetimeHint().isZero()) {
      orderBuilder.notAfter(Instant.now().plus(settings.certificateLifetimeHint()));
    }
    Order order = orderBuilder.create();
    for (Authorization authorization : order.getAuthorizations()) {
      if (authorization.getStatus() != Status.VALID) {
        authorize(authorization, domain);
      }
    }
    Status ready = order.waitUntilReady(settings.orderTimeout());
    if (ready == Status.INVALID) {
      throw new AcmeException("The order for " + domain + " is invalid" + problem(order.getError()));
    }
    KeyPair domainKey = KeyPairs.newEcKeyPair();
    order.execute(domainKey);
    if (order.waitForCompletion(settings.orderTimeout()) != Status.VALID) {
      throw new AcmeException("The order for " + domain + " was not completed" + problem(order.getError()));
    }
    var certificate = order.getCertificate();
    log.info("Certificate for {} issued, valid until {}", domain, certificate.getCertificate().getNotAfter());
    return new CertifiedKey(domainKey.getPrivate(), certificate.getCertificateChain());
  }

  private void authorize(Authorization authorization, String domain) throws AcmeException, InterruptedException {
    Http01Challenge challenge = authorization.findChallenge(Http01Challenge.class)
        .orElseThrow(() -> new AcmeException("The CA offers no HTTP-01 challenge for " + domain));
    String token = challenge.getToken();
    await(challenges.put(token, challenge.getAuthorization()));
    try {
      waitUntilVisible(token);
      challenge.trigger();
      Status status = challenge.waitForCompletion(settings.orderTimeout());
      if (status != Status.VALID) {
        throw new AcmeException("The HTTP-01 challenge for " + domain + " failed" + problem(challenge));
      }
    } finally {
      await(challenges.remove(token));
    }
  }

  private void waitUntilVisible(String token) throws InterruptedException {
    long deadline = System.nanoTime() + PUBLISH_WAIT.toNanos();
    while (challenges.keyAuthorization(token).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    // Other nodes' subscribers are notified on the same interval as this one's: give them one more round.
    Thread.sleep(600);
  }

  private static String problem(Challenge challenge) {
    return problem(challenge.getError());
  }

  private static String problem(java.util.Optional<org.shredzone.acme4j.Problem> problem) {
    return problem.map(p -> ": " + p.toString()).orElse("");
  }

  private static void await(java.util.concurrent.CompletionStage<?> stage) throws InterruptedException {
    try {
      stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Could not publish the ACME challenge: " + e, e);
    }
  }

  /** Trusts exactly the certificates in a PEM file (the ACME server's root); other PEM blocks are ignored. */
  static SSLContext trustContext(Path pemFile) {
    try (PEMParser pem = new PEMParser(Files.newBufferedReader(pemFile, StandardCharsets.US_ASCII))) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
      for (Object block = pem.readObject(); block != null; block = pem.readObject()) {
        if (block instanceof X509CertificateHolder holder) {
          store.setCertificateEntry("root-" + i++, converter.getCertificate(holder));
        }
      }
      if (i == 0) {
        throw new IllegalArgumentException("No certificate in the ACME trust root " + pemFile);
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("Unreadable ACME trust root " + pemFile + ": " + e.getMessage(), e);
    }
  }

  /** Any http(s) directory, trusting the configured root when there is one. */
  private static final class Provider extends GenericAcmeProvider {
    private final SSLContext trust;

    Provider(SSLContext trust) {
      this.trust = trust;
    }

    @Override
    protected HttpConnector createHttpConnector(NetworkSettings networkSettings) {
      return new HttpConnector(networkSettings) {
        @Override
        public HttpClient.Builder createClientBuilder() {
          HttpClient.Builder builder = super.createClientBuilder();
          return trust == null ? builder : builder.sslContext(trust);
        }
      };
    }
  }
}
