package dev.ferry.routing;

import dev.ferry.db.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * The {@code branch_aliases} table behind {@code <project>-git-<branch>.<base>}: which deployment of a branch the
 * alias points at, and up to which deployment number the branch is closed. Both routing projections write it (the
 * deployment one when a deployment becomes READY, the project one when a branch closes), in whatever order their
 * events arrive; comparing deployment numbers makes the outcome the same either way: the newest READY deployment
 * that is not older than the close wins.
 */
final class BranchAliases {

  static final String KIND = "branch";

  private BranchAliases() {}

  private record Row(String host, String deploymentId, long deploymentNumber, long closedThrough) {}

  /** Points the branch's alias at {@code deploymentId} unless a newer deployment or a later close got there first. */
  static void deploymentReady(Connection connection, RouteTable routeTable, String host, String projectId,
      String branch, String deploymentId, long number, Instant at) throws SQLException {
    Optional<Row> row = row(connection, projectId, branch);
    if (row.isPresent() && (number <= row.get().deploymentNumber() || number <= row.get().closedThrough())) {
      return;
    }
    if (row.isPresent()) {
      Sql.update(connection, "UPDATE branch_aliases SET host = ?, deployment_id = ?, deployment_number = ?, "
          + "updated_at = ? WHERE project_id = ? AND branch = ?", host, deploymentId, number, at, projectId, branch);
    } else {
      Sql.update(connection, "INSERT INTO branch_aliases (project_id, branch, host, deployment_id, deployment_number, "
          + "closed_through, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?)", projectId, branch, host, deploymentId, number,
          at);
    }
    RoutingProjectionHandler.RouteRows.upsert(connection, host, deploymentId, projectId, KIND, at);
    routeTable.put(host, deploymentId, at);
  }

  /** Removes the alias if it points at a deployment numbered up to {@code throughNumber}, and remembers the close. */
  static void closed(Connection connection, RouteTable routeTable, String host, String projectId, String branch,
      long throughNumber, Instant at) throws SQLException {
    Optional<Row> row = row(connection, projectId, branch);
    if (row.isEmpty()) {
      Sql.update(connection, "INSERT INTO branch_aliases (project_id, branch, host, deployment_id, deployment_number, "
          + "closed_through, updated_at) VALUES (?, ?, ?, NULL, 0, ?, ?)", projectId, branch, host, throughNumber, at);
      return;
    }
    long closedThrough = Math.max(row.get().closedThrough(), throughNumber);
    boolean remove = row.get().deploymentId() != null && row.get().deploymentNumber() <= closedThrough;
    Sql.update(connection, "UPDATE branch_aliases SET closed_through = ?, deployment_id = ?, updated_at = ? "
        + "WHERE project_id = ? AND branch = ?", closedThrough, remove ? null : row.get().deploymentId(), at,
        projectId, branch);
    if (remove) {
      Sql.update(connection, "DELETE FROM routes WHERE host = ? AND kind = ?", row.get().host(), KIND);
      routeTable.remove(row.get().host());
    }
  }

  /** The alias of an expired deployment points nowhere; a newer READY deployment of the branch takes it again. */
  static void deploymentExpired(Connection connection, String deploymentId) throws SQLException {
    Sql.update(connection, "UPDATE branch_aliases SET deployment_id = NULL WHERE deployment_id = ?", deploymentId);
  }

  static void projectDeleted(Connection connection, String projectId) throws SQLException {
    Sql.update(connection, "DELETE FROM branch_aliases WHERE project_id = ?", projectId);
  }

  private static Optional<Row> row(Connection connection, String projectId, String branch) throws SQLException {
    return Sql.queryOne(connection, "SELECT host, deployment_id, deployment_number, closed_through FROM branch_aliases "
            + "WHERE project_id = ? AND branch = ?",
        r -> new Row(r.getString(1), r.getString(2), r.getLong(3), r.getLong(4)), projectId, branch);
  }
}
