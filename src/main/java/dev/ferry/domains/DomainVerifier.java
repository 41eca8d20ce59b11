package dev.ferry.domains;

import dev.ferry.common.Initiator;
import dev.ferry.db.Sql;
import dev.ferry.project.Domain;
import dev.ferry.project.Project;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;

/**
 * One DNS check of a domain, by the worker's schedule or on demand: a TXT record holding the token verifies the
 * domain (a {@code VerifyDomain} command); anything else is written down as the domain's last check result and moves
 * its next check along the backoff schedule. Blocking.
 */
public final class DomainVerifier {

  static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

  private final ActorSystem<?> system;
  private final DataSource dataSource;
  private final DnsChecker dns;
  private final DomainSettings settings;

  public DomainVerifier(ActorSystem<?> system, DataSource dataSource, DnsChecker dns, DomainSettings settings) {
    this.system = system;
    this.dataSource = dataSource;
    this.dns = dns;
    this.settings = settings;
  }

  /** Checks now; the domain as it is afterwards, and what the check found. */
  public record Outcome(Domain domain, DnsChecker.Finding finding) {}

  public Outcome check(String projectId, Domain domain, Initiator initiator) throws SQLException {
    DnsChecker.Finding finding = dns.check(domain.name(), domain.token());
    if (finding.verified()) {
      Domain verified = ask(system, projectId,
          replyTo -> new Project.VerifyDomain(domain.name(), initiator, replyTo));
      return new Outcome(verified, finding);
    }
    if (!domain.verified()) {
      int failures = Sql.query(dataSource, "SELECT check_failures FROM domains WHERE name = ? AND project_id = ?",
          row -> row.getInt(1), domain.name(), projectId).stream().findFirst().orElse(0) + 1;
      Sql.update(dataSource, "UPDATE domains SET check_failures = ?, next_check_at = ?, last_check_result = ? "
              + "WHERE name = ? AND project_id = ? AND verification = ?", failures,
          Instant.now().plus(DomainSettings.backoff(settings.checkBackoff(), failures)), finding.detail(),
          domain.name(), projectId, Domain.PENDING);
    }
    return new Outcome(domain, finding);
  }

  /** The last check's finding for a domain still being checked, if any. */
  public java.util.Optional<String> lastCheckResult(String name) throws SQLException {
    return Sql.query(dataSource, "SELECT last_check_result FROM domains WHERE name = ?", row -> row.getString(1),
        name).stream().filter(java.util.Objects::nonNull).findFirst();
  }

  /** Asks a Project entity and waits for the answer; a rejection becomes an exception with its message. */
  static <T> T ask(ActorSystem<?> system, String projectId,
      Function<ActorRef<StatusReply<T>>, Project.Command> command) {
    try {
      return ClusterSharding.get(system).entityRefFor(Project.ENTITY_KEY, projectId)
          .<T>askWithStatus(command::apply, ASK_TIMEOUT)
          .toCompletableFuture().get(ASK_TIMEOUT.toSeconds() + 1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Project " + projectId + " did not answer in time", e);
    }
  }
}
