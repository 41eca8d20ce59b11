package dev.ferry.domains;

import dev.ferry.db.PlainJdbcSession;
import dev.ferry.db.Projections;
import dev.ferry.db.Sql;
import dev.ferry.project.Domain;
import dev.ferry.project.Project;
import dev.ferry.routing.CustomDomainRoutes;
import dev.ferry.routing.RouteTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;

/**
 * The domain verification projection's read side: keeps the {@code domains} table (what the domain worker checks and
 * orders, what edges load certificates from) and routes verified domains to the project's production deployment,
 * following promotions and rollbacks. Removing a domain (or its project) removes its route.
 */
public final class DomainProjectionHandler extends JdbcHandler<EventEnvelope<Project.Event>, PlainJdbcSession> {

  private final RouteTable routeTable;

  public DomainProjectionHandler(RouteTable routeTable) {
    this.routeTable = routeTable;
  }

  @Override
  public void process(PlainJdbcSession session, EventEnvelope<Project.Event> envelope) throws SQLException {
    Connection connection = session.connection();
    String projectId = Projections.entityId(envelope.persistenceId());
    Project.Event event = envelope.event();
    if (event instanceof Project.DomainAdded added) {
      Sql.update(connection, "DELETE FROM domains WHERE name = ?", added.name());
      Sql.update(connection, "INSERT INTO domains (name, project_id, token, verification, certificate_status, "
              + "created_at, next_check_at) VALUES (?, ?, ?, ?, ?, ?, ?)", added.name(), projectId, added.token(),
          Domain.PENDING, Domain.PENDING, added.at(), added.at());
    } else if (event instanceof Project.DomainVerified verified) {
      Sql.update(connection, "UPDATE domains SET verification = ?, production_deployment_id = ?, next_check_at = NULL, "
              + "last_check_result = NULL, next_order_at = NULL WHERE name = ? AND project_id = ?", Domain.VERIFIED,
          verified.productionDeploymentId(), verified.name(), projectId);
      if (verified.productionDeploymentId() != null) {
        CustomDomainRoutes.point(connection, routeTable, verified.name(), verified.productionDeploymentId(),
            projectId, verified.at());
      }
    } else if (event instanceof Project.DomainVerificationFailed failed) {
      Sql.update(connection, "UPDATE domains SET verification = ?, next_check_at = NULL, last_check_result = ? "
          + "WHERE name = ? AND project_id = ?", Domain.FAILED, failed.reason(), failed.name(), projectId);
    } else if (event instanceof Project.CertificateIssued issued) {
      certificate(connection, projectId, issued.name(), issued.expiresAt());
    } else if (event instanceof Project.CertificateRenewed renewed) {
      certificate(connection, projectId, renewed.name(), renewed.expiresAt());
    } else if (event instanceof Project.CertificateFailed failed) {
      Sql.update(connection, "UPDATE domains SET certificate_status = ? WHERE name = ? AND project_id = ?",
          Domain.FAILED, failed.name(), projectId);
    } else if (event instanceof Project.DomainRemoved removed) {
      if (Sql.update(connection, "DELETE FROM domains WHERE name = ? AND project_id = ?", removed.name(),
          projectId) > 0) {
        CustomDomainRoutes.remove(connection, routeTable, removed.name());
      }
    } else if (event instanceof Project.ProductionPromoted promoted) {
      Sql.update(connection, "UPDATE domains SET production_deployment_id = ? WHERE project_id = ?",
          promoted.deploymentId(), projectId);
      List<String> verified = Sql.query(connection, "SELECT name FROM domains WHERE project_id = ? "
          + "AND verification = ?", row -> row.getString(1), projectId, Domain.VERIFIED);
      for (String name : verified) {
        CustomDomainRoutes.point(connection, routeTable, name, promoted.deploymentId(), projectId, promoted.at());
      }
    } else if (event instanceof Project.ProjectDeleted) {
      Sql.update(connection, "DELETE FROM domains WHERE project_id = ?", projectId);
      CustomDomainRoutes.removeProject(connection, routeTable, projectId);
    }
  }

  private static void certificate(Connection connection, String projectId, String name, java.time.Instant expiresAt)
      throws SQLException {
    Sql.update(connection, "UPDATE domains SET certificate_status = ?, certificate_expires_at = ?, "
            + "certificate_version = certificate_version + 1 WHERE name = ? AND project_id = ?", Domain.ACTIVE,
        expiresAt, name, projectId);
  }
}
