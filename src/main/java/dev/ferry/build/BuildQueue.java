package dev.ferry.build;

import dev.ferry.db.Sql;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The table the build-dispatch projection fills. Workers pull from it: a row is free when nobody holds it or its
 * holder's lease ran out (the holder died), and a conditional update makes exactly one worker win it.
 */
public final class BuildQueue {

  private final DataSource dataSource;

  public BuildQueue(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Takes the oldest free build for {@code worker} until {@code leaseUntil}, if there is one. */
  public Optional<String> take(String worker, Instant leaseUntil) throws SQLException {
    Instant now = Instant.now();
    List<String> candidates = Sql.query(dataSource,
        "SELECT deployment_id FROM build_queue WHERE worker IS NULL OR lease_until < ? ORDER BY queued_at LIMIT 10",
        row -> row.getString(1), now);
    for (String deploymentId : candidates) {
      int won = Sql.update(dataSource,
          "UPDATE build_queue SET worker = ?, lease_until = ? "
              + "WHERE deployment_id = ? AND (worker IS NULL OR lease_until < ?)",
          worker, leaseUntil, deploymentId, now);
      if (won == 1) {
        return Optional.of(deploymentId);
      }
    }
    return Optional.empty();
  }

  public void renew(String deploymentId, String worker, Instant leaseUntil) throws SQLException {
    Sql.update(dataSource, "UPDATE build_queue SET lease_until = ? WHERE deployment_id = ? AND worker = ?",
        leaseUntil, deploymentId, worker);
  }

  public void remove(String deploymentId) throws SQLException {
    Sql.update(dataSource, "DELETE FROM build_queue WHERE deployment_id = ?", deploymentId);
  }
}
