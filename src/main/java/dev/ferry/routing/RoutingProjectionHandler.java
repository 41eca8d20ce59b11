package dev.ferry.routing;

import dev.ferry.db.PlainJdbcSession;
import dev.ferry.db.Projections;
import dev.ferry.db.Sql;
import dev.ferry.deployment.Deployment;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;

/**
 * A deployment that becomes READY gets its immutable host {@code <project>-<id>.<base>}; one of a branch also moves
 * the branch's alias {@code <project>-git-<branch>.<base>} to it when it is the branch's newest (see
 * {@link BranchAliases}). An expired deployment loses its hosts and branch alias; a production host keeps pointing
 * at it (retention never expires production, so that only happens when a promotion raced the retention run).
 */
public final class RoutingProjectionHandler extends JdbcHandler<EventEnvelope<Deployment.Event>, PlainJdbcSession> {

  private final Hosts hosts;
  private final RouteTable routeTable;

  public RoutingProjectionHandler(Hosts hosts, RouteTable routeTable) {
    this.hosts = hosts;
    this.routeTable = routeTable;
  }

  @Override
  public void process(PlainJdbcSession session, EventEnvelope<Deployment.Event> envelope) throws SQLException {
    if (envelope.event() instanceof Deployment.DeploymentExpired) {
      expired(session.connection(), Projections.entityId(envelope.persistenceId()));
      return;
    }
    if (!(envelope.event() instanceof Deployment.DeploymentReady ready)) {
      return;
    }
    Connection connection = session.connection();
    boolean projectDeleted = !Sql.query(connection, "SELECT 1 FROM deleted_projects WHERE project_id = ?",
        row -> 1, ready.projectId()).isEmpty();
    if (projectDeleted) {
      return;
    }
    String deploymentId = Projections.entityId(envelope.persistenceId());
    String host = hosts.deployment(ready.projectName(), deploymentId);
    RouteRows.upsert(connection, host, deploymentId, ready.projectId(), RouteRows.DEPLOYMENT, ready.at());
    routeTable.put(host, deploymentId, ready.at());
    if (ready.branch() != null && !ready.branch().isBlank()) {
      BranchAliases.deploymentReady(connection, routeTable, hosts.branch(ready.projectName(), ready.branch()),
          ready.projectId(), ready.branch(), deploymentId, ready.number(), ready.at());
    }
  }

  private void expired(Connection connection, String deploymentId) throws SQLException {
    List<String> removed = Sql.query(connection, "SELECT host FROM routes WHERE deployment_id = ? AND kind <> ?",
        row -> row.getString(1), deploymentId, RouteRows.PRODUCTION);
    Sql.update(connection, "DELETE FROM routes WHERE deployment_id = ? AND kind <> ?", deploymentId,
        RouteRows.PRODUCTION);
    BranchAliases.deploymentExpired(connection, deploymentId);
    removed.forEach(routeTable::remove);
  }

  /** The routes table, shared by both routing handlers. */
  static final class RouteRows {
    static final String DEPLOYMENT = "deployment";
    static final String PRODUCTION = "production";

    private RouteRows() {}

    static void upsert(Connection connection, String host, String deploymentId, String projectId, String kind,
        Instant at) throws SQLException {
      int updated = Sql.update(connection,
          "UPDATE routes SET deployment_id = ?, project_id = ?, kind = ?, updated_at = ? WHERE host = ?",
          deploymentId, projectId, kind, at, host);
      if (updated == 0) {
        Sql.update(connection,
            "INSERT INTO routes (host, deployment_id, project_id, kind, updated_at) VALUES (?, ?, ?, ?, ?)",
            host, deploymentId, projectId, kind, at);
      }
    }
  }
}
