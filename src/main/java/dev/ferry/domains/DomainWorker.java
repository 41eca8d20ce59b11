package dev.ferry.domains;

import dev.ferry.common.CborSerializable;
import dev.ferry.common.Initiator;
import dev.ferry.db.Sql;
import dev.ferry.edge.tls.CertifiedKey;
import dev.ferry.project.Domain;
import dev.ferry.project.Project;
import dev.ferry.secrets.SecretBox;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ShardedDaemonProcessSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The domain worker, one in the cluster (a sharded daemon process of one instance, moved when its node leaves): on
 * every poll it checks the DNS of pending domains that are due (backoff schedule; after {@code give-up-after} the
 * domain is marked failed), and orders certificates for verified domains that have none, whose order failed (retried
 * on the backoff schedule) or whose certificate expires within {@code renew-before}. Outcomes are Project commands;
 * its schedule is in the {@code domains} table, so nothing is lost when it moves or fails.
 */
public final class DomainWorker {

  private static final Logger log = LoggerFactory.getLogger(DomainWorker.class);
  static final Initiator INITIATOR = Initiator.system("domains");
  private static final int MAX_REASON = 500;

  enum Message implements CborSerializable { TICK, DONE }

  private final ActorSystem<?> system;
  private final DataSource dataSource;
  private final DomainSettings settings;
  private final DomainVerifier verifier;
  private final AcmeIssuer issuer;
  private final DomainSecrets secrets;

  public DomainWorker(ActorSystem<?> system, DataSource dataSource, DomainSettings settings, DomainVerifier verifier,
      AcmeIssuer issuer, SecretBox box) {
    this.system = system;
    this.dataSource = dataSource;
    this.settings = settings;
    this.verifier = verifier;
    this.issuer = issuer;
    this.secrets = new DomainSecrets(box);
  }

  public void start() {
    ShardedDaemonProcess.get(system).init(Message.class, "domain-worker", 1, index -> behavior(),
        ShardedDaemonProcessSettings.create(system), Optional.empty());
  }

  private Behavior<Message> behavior() {
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startSingleTimer(Message.TICK, settings.pollInterval());
      return Behaviors.receiveMessage(message -> {
        if (message == Message.TICK) {
          context.pipeToSelf(CompletableFuture.runAsync(this::runOnce, blocking), (ok, failure) -> {
            if (failure != null) {
              log.warn("Domain worker round failed: {}", failure.toString());
            }
            return Message.DONE;
          });
        } else {
          timers.startSingleTimer(Message.TICK, settings.pollInterval());
        }
        return Behaviors.same();
      });
    }));
  }

  /** One round: due checks, then due orders. */
  void runOnce() {
    Instant now = Instant.now();
    try {
      for (Due due : dueChecks(now)) {
        guarded(due, () -> check(due, now));
      }
      for (Due due : dueOrders(now)) {
        guarded(due, () -> order(due));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private record Due(String name, String projectId, Instant createdAt) {}

  private interface Step {
    void run() throws Exception;
  }

  private static void guarded(Due due, Step step) {
    try {
      step.run();
    } catch (Exception e) {
      log.warn("Domain {} of project {}: {}", due.name(), due.projectId(), e.toString());
    }
  }

  private List<Due> dueChecks(Instant now) throws SQLException {
    return Sql.query(dataSource, "SELECT name, project_id, created_at FROM domains WHERE verification = ? "
        + "AND next_check_at <= ? ORDER BY next_check_at", row -> new Due(row.getString(1), row.getString(2),
        row.getObject(3, java.time.OffsetDateTime.class).toInstant()), Domain.PENDING, now);
  }

  private List<Due> dueOrders(Instant now) throws SQLException {
    return Sql.query(dataSource, "SELECT name, project_id, created_at FROM domains WHERE verification = ? "
            + "AND (next_order_at IS NULL OR next_order_at <= ?) AND (certificate_status <> ? "
            + "OR certificate_expires_at <= ?) ORDER BY name", row -> new Due(row.getString(1), row.getString(2),
            row.getObject(3, java.time.OffsetDateTime.class).toInstant()), Domain.VERIFIED, now, Domain.ACTIVE,
        now.plus(settings.renewBefore()));
  }

  private void check(Due due, Instant now) throws SQLException {
    Project.State project = DomainVerifier.ask(system, due.projectId(), Project.Get::new);
    Optional<Domain> domain = project.domains().domain(due.name());
    if (domain.isEmpty()) {
      return;
    }
    if (now.isAfter(due.createdAt().plus(settings.giveUpAfter()))) {
      String last = verifier.lastCheckResult(due.name()).orElse("no TXT record with the token");
      String reason = bounded("Gave up after " + settings.giveUpAfter() + ": " + last);
      DomainVerifier.<Domain>ask(system, due.projectId(),
          replyTo -> new Project.FailDomainVerification(due.name(), reason, INITIATOR, replyTo));
      return;
    }
    verifier.check(due.projectId(), domain.get(), INITIATOR);
  }

  private void order(Due due) throws Exception {
    Project.State project = DomainVerifier.ask(system, due.projectId(), Project.Get::new);
    Optional<Domain> domain = project.domains().domain(due.name()).filter(Domain::verified);
    if (domain.isEmpty()) {
      return;
    }
    try {
      String accountKey = accountKey(project);
      CertifiedKey certificate = issuer.order(accountKey, due.name());
      String sealed = secrets.sealCertificate(project, due.name(), certificate);
      DomainVerifier.<Domain>ask(system, due.projectId(), replyTo -> new Project.RecordCertificate(due.name(),
          sealed, certificate.notAfter(), INITIATOR, replyTo));
      // Until the projection has recorded the new certificate, the row still looks due.
      scheduleOrder(due, Instant.now().plus(settings.pollInterval().multipliedBy(10)));
    } catch (Exception e) {
      String reason = bounded(e.getMessage() == null ? e.toString() : e.getMessage());
      log.warn("Certificate order for {} failed: {}", due.name(), reason);
      Domain failed = DomainVerifier.ask(system, due.projectId(),
          replyTo -> new Project.FailCertificate(due.name(), reason, INITIATOR, replyTo));
      Duration wait = DomainSettings.backoff(settings.retryBackoff(), failed.certificateFailures());
      scheduleOrder(due, Instant.now().plus(wait));
    }
  }

  private void scheduleOrder(Due due, Instant at) throws SQLException {
    Sql.update(dataSource, "UPDATE domains SET next_order_at = ? WHERE name = ? AND project_id = ?", at, due.name(),
        due.projectId());
  }

  /** The project's ACME account key (PEM), made and stored sealed the first time. */
  private String accountKey(Project.State project) {
    String sealed = project.domains().sealedAccountKey();
    if (sealed == null) {
      String fresh = secrets.sealAccountKey(project, AcmeIssuer.newAccountKeyPem());
      sealed = DomainVerifier.ask(system, project.id(),
          replyTo -> new Project.SetAcmeAccountKey(fresh, INITIATOR, replyTo));
    }
    return secrets.openAccountKey(project, sealed);
  }

  private static String bounded(String text) {
    return text.length() <= MAX_REASON ? text : text.substring(0, MAX_REASON) + "…";
  }
}
