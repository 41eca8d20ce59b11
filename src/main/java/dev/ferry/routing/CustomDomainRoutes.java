package dev.ferry.routing;

import dev.ferry.db.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/** Verified custom domains in the routes table and the cluster route table: they follow production. */
public final class CustomDomainRoutes {

  public static final String KIND = "domain";

  private CustomDomainRoutes() {}

  public static void point(Connection connection, RouteTable routeTable, String domain, String deploymentId,
      String projectId, Instant at) throws SQLException {
    RoutingProjectionHandler.RouteRows.upsert(connection, domain, deploymentId, projectId, KIND, at);
    routeTable.put(domain, deploymentId, at);
  }

  public static void remove(Connection connection, RouteTable routeTable, String domain) throws SQLException {
    Sql.update(connection, "DELETE FROM routes WHERE host = ? AND kind = ?", domain, KIND);
    routeTable.remove(domain);
  }

  public static void removeProject(Connection connection, RouteTable routeTable, String projectId)
      throws SQLException {
    List<String> hosts = Sql.query(connection, "SELECT host FROM routes WHERE project_id = ? AND kind = ?",
        row -> row.getString(1), projectId, KIND);
    for (String host : hosts) {
      remove(connection, routeTable, host);
    }
  }
}
