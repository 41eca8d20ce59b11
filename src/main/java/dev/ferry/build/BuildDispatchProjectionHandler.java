package dev.ferry.build;

import dev.ferry.db.PlainJdbcSession;
import dev.ferry.db.Projections;
import dev.ferry.db.Sql;
import dev.ferry.deployment.Deployment;
import java.sql.Connection;
import java.sql.SQLException;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;

/**
 * Feeds the build queue from the Deployment journal: a queued deployment waits there until a worker with a free
 * slot pulls it; a finished one leaves it. Duplicates are harmless (the queue is keyed by deployment, and the
 * Deployment entity grants a build only once per lease).
 */
public final class BuildDispatchProjectionHandler
    extends JdbcHandler<EventEnvelope<Deployment.Event>, PlainJdbcSession> {

  @Override
  public void process(PlainJdbcSession session, EventEnvelope<Deployment.Event> envelope) throws SQLException {
    Connection connection = session.connection();
    String deploymentId = Projections.entityId(envelope.persistenceId());
    Deployment.Event event = envelope.event();
    if (event instanceof Deployment.DeploymentQueued queued) {
      boolean present = !Sql.query(connection, "SELECT 1 FROM build_queue WHERE deployment_id = ?", row -> 1,
          deploymentId).isEmpty();
      if (!present) {
        Sql.update(connection, "INSERT INTO build_queue (deployment_id, project_id, queued_at) VALUES (?, ?, ?)",
            deploymentId, queued.projectId(), queued.at());
      }
    } else if (event instanceof Deployment.DeploymentReady
        || event instanceof Deployment.DeploymentFailed
        || event instanceof Deployment.DeploymentCanceled) {
      Sql.update(connection, "DELETE FROM build_queue WHERE deployment_id = ?", deploymentId);
    }
  }
}
