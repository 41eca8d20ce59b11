package dev.ferry.domains;

import dev.ferry.db.Sql;
import dev.ferry.edge.tls.CertifiedKey;
import dev.ferry.edge.tls.LocalCertificateStore;
import dev.ferry.project.Domain;
import dev.ferry.project.Project;
import dev.ferry.secrets.SecretBox;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an edge node's certificates of custom domains current: every poll it compares the {@code domains} table's
 * certificate versions with what it holds, opens new and renewed certificates from their Project (sealed under the
 * project's data key) into an in-memory store the TLS handshakes read by SNI, and drops those of removed domains.
 * Private keys never touch this node's disk.
 */
public final class DomainCertificates {

  private static final Logger log = LoggerFactory.getLogger(DomainCertificates.class);

  private final ActorSystem<?> system;
  private final DataSource dataSource;
  private final DomainSecrets secrets;
  private final LocalCertificateStore store = LocalCertificateStore.inMemory();
  private final Map<String, Long> loaded = new HashMap<>();

  public DomainCertificates(ActorSystem<?> system, DataSource dataSource, SecretBox box) {
    this.system = system;
    this.dataSource = dataSource;
    this.secrets = new DomainSecrets(box);
  }

  public LocalCertificateStore store() {
    return store;
  }

  public void start(Duration interval) {
    system.scheduler().scheduleWithFixedDelay(Duration.ZERO, interval, () -> {
      try {
        sync();
      } catch (RuntimeException | SQLException e) {
        log.warn("Could not load domain certificates: {}", e.toString());
      }
    }, system.dispatchers().lookup(DispatcherSelector.blocking()));
  }

  private record Row(String name, String projectId, long version) {}

  /** One comparison with the table; returns how many certificates changed. */
  synchronized int sync() throws SQLException {
    List<Row> rows = Sql.query(dataSource, "SELECT name, project_id, certificate_version FROM domains "
        + "WHERE certificate_version > 0", row -> new Row(row.getString(1), row.getString(2), row.getLong(3)));
    Set<String> current = rows.stream().map(Row::name).collect(Collectors.toSet());
    int changed = 0;
    for (String name : Set.copyOf(loaded.keySet())) {
      if (!current.contains(name)) {
        remove(name);
        changed++;
      }
    }
    for (Row row : rows) {
      if (!Long.valueOf(row.version()).equals(loaded.get(row.name())) && load(row)) {
        changed++;
      }
    }
    return changed;
  }

  private boolean load(Row row) {
    try {
      Project.State project = DomainVerifier.ask(system, row.projectId(), Project.Get::new);
      Optional<Domain> domain = project.domains().domain(row.name());
      if (domain.isEmpty() || domain.get().sealedCertificate() == null) {
        return false;
      }
      CertifiedKey key = secrets.openCertificate(project, row.name(), domain.get().sealedCertificate());
      store.put(row.name(), key);
      loaded.put(row.name(), row.version());
      log.info("Serving the certificate of {} (valid until {})", row.name(), key.notAfter());
      return true;
    } catch (Exception e) {
      log.warn("Could not load the certificate of {}: {}", row.name(), e.toString());
      return false;
    }
  }

  private void remove(String name) {
    try {
      store.remove(name);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e); // an in-memory store does no I/O
    }
    loaded.remove(name);
    log.info("Stopped serving the certificate of {}", name);
  }
}
