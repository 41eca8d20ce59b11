package dev.ferry.views;

import dev.ferry.db.PlainJdbcSession;
import dev.ferry.db.Projections;
import dev.ferry.db.Sql;
import dev.ferry.deployment.Deployment;
import java.sql.Connection;
import java.sql.SQLException;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;

/** Keeps the {@code deployments} table (lists per project, filters by state and target) in step. */
public final class DeploymentViewProjectionHandler
    extends JdbcHandler<EventEnvelope<Deployment.Event>, PlainJdbcSession> {

  @Override
  public void process(PlainJdbcSession session, EventEnvelope<Deployment.Event> envelope) throws SQLException {
    Connection connection = session.connection();
    String deploymentId = Projections.entityId(envelope.persistenceId());
    Deployment.Event event = envelope.event();
    if (event instanceof Deployment.DeploymentQueued queued) {
      Sql.update(connection, "DELETE FROM deployments WHERE id = ?", deploymentId);
      Sql.update(connection,
          "INSERT INTO deployments (id, project_id, number, state, target, created_at, updated_at, branch) "
              + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          deploymentId, queued.projectId(), queued.number(), Deployment.Status.QUEUED.name(), queued.target(),
          queued.at(), queued.at(), queued.source() == null ? null : queued.source().branch());
      return;
    }
    Deployment.Status state = statusAfter(event);
    if (state != null) {
      Sql.update(connection, "UPDATE deployments SET state = ?, updated_at = ? WHERE id = ?", state.name(),
          event.at(), deploymentId);
    }
  }

  private static Deployment.Status statusAfter(Deployment.Event event) {
    if (event instanceof Deployment.BuildStarted) {
      return Deployment.Status.BUILDING;
    } else if (event instanceof Deployment.PublishingStarted) {
      return Deployment.Status.DEPLOYING;
    } else if (event instanceof Deployment.DeploymentReady) {
      return Deployment.Status.READY;
    } else if (event instanceof Deployment.DeploymentFailed) {
      return Deployment.Status.ERROR;
    } else if (event instanceof Deployment.DeploymentCanceled) {
      return Deployment.Status.CANCELED;
    } else if (event instanceof Deployment.DeploymentExpired) {
      return Deployment.Status.EXPIRED;
    }
    return null;
  }
}
