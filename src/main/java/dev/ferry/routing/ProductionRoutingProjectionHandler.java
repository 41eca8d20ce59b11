package dev.ferry.routing;

import dev.ferry.db.PlainJdbcSession;
import dev.ferry.db.Projections;
import dev.ferry.db.Sql;
import dev.ferry.project.Project;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;

/**
 * Moves {@code <project>.<base>} when production is promoted or rolled back, removes a closed branch's alias, and
 * removes every host of a deleted project. Only a pointer moves: nothing is rebuilt or copied.
 */
public final class ProductionRoutingProjectionHandler
    extends JdbcHandler<EventEnvelope<Project.Event>, PlainJdbcSession> {

  private final Hosts hosts;
  private final RouteTable routeTable;

  public ProductionRoutingProjectionHandler(Hosts hosts, RouteTable routeTable) {
    this.hosts = hosts;
    this.routeTable = routeTable;
  }

  @Override
  public void process(PlainJdbcSession session, EventEnvelope<Project.Event> envelope) throws SQLException {
    Connection connection = session.connection();
    String projectId = Projections.entityId(envelope.persistenceId());
    if (envelope.event() instanceof Project.ProductionPromoted promoted) {
      String host = hosts.production(promoted.projectName());
      RoutingProjectionHandler.RouteRows.upsert(connection, host, promoted.deploymentId(), projectId,
          RoutingProjectionHandler.RouteRows.PRODUCTION, promoted.at());
      routeTable.put(host, promoted.deploymentId(), promoted.at());
    } else if (envelope.event() instanceof Project.BranchClosed closed) {
      BranchAliases.closed(connection, routeTable, hosts.branch(closed.projectName(), closed.branch()), projectId,
          closed.branch(), closed.throughNumber(), closed.at());
    } else if (envelope.event() instanceof Project.ProjectDeleted deleted) {
      List<String> removed = Sql.query(connection, "SELECT host FROM routes WHERE project_id = ?",
          row -> row.getString(1), projectId);
      Sql.update(connection, "DELETE FROM routes WHERE project_id = ?", projectId);
      BranchAliases.projectDeleted(connection, projectId);
      if (Sql.update(connection, "UPDATE deleted_projects SET deleted_at = ? WHERE project_id = ?", deleted.at(),
          projectId) == 0) {
        Sql.update(connection, "INSERT INTO deleted_projects (project_id, deleted_at) VALUES (?, ?)", projectId,
            deleted.at());
      }
      removed.forEach(routeTable::remove);
    }
  }
}
