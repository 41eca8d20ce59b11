package dev.ferry.domains;

import dev.ferry.db.Projections;
import dev.ferry.edge.EdgeServer;
import dev.ferry.edge.tls.CertificateStore;
import dev.ferry.project.Project;
import dev.ferry.routing.RouteTable;
import dev.ferry.secrets.SecretBox;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Custom domains on one node: the domains projection and the domain worker (both placed by the cluster), the
 * replicated ACME challenges, and — on edge nodes — the certificates of verified domains and the HTTP-01 answers.
 */
public final class Domains {

  private final ActorSystem<?> system;
  private final DataSource dataSource;
  private final SecretBox secrets;
  private final DomainSettings settings;
  private final AcmeChallenges challenges;

  private Domains(ActorSystem<?> system, DataSource dataSource, SecretBox secrets, DomainSettings settings) {
    this.system = system;
    this.dataSource = dataSource;
    this.secrets = secrets;
    this.settings = settings;
    this.challenges = new AcmeChallenges(system);
  }

  public static Domains start(ActorSystem<?> system, DataSource dataSource, SecretBox secrets, RouteTable routeTable,
      Projections projections) {
    Domains domains = new Domains(system, dataSource, secrets, DomainSettings.from(system.settings().config()));
    projections.exactlyOnce("domains", Project.ENTITY_KEY.name(), () -> new DomainProjectionHandler(routeTable));
    DomainSettings settings = domains.settings;
    DomainVerifier verifier = new DomainVerifier(system, dataSource,
        new DnsChecker(settings.dnsResolver(), settings.dnsTimeout()), settings);
    new DomainWorker(system, dataSource, settings, verifier, new AcmeIssuer(settings, domains.challenges), secrets)
        .start();
    return domains;
  }

  /** The certificates of verified domains for an edge's TLS context and redirects, kept current from now on. */
  public CertificateStore edgeCertificates() {
    DomainCertificates certificates = new DomainCertificates(system, dataSource, secrets);
    certificates.start(settings.pollInterval());
    return certificates.store();
  }

  /** Makes {@code edge} answer ACME HTTP-01 challenges from the cluster's pending tokens. */
  public void answerChallengesOn(EdgeServer edge) {
    edge.answerAcmeChallengesWith(challenges::keyAuthorization);
  }
}
