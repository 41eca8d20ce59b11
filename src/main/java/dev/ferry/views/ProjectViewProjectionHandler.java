package dev.ferry.views;

import dev.ferry.db.PlainJdbcSession;
import dev.ferry.db.Projections;
import dev.ferry.db.Sql;
import dev.ferry.git.RepositoryKey;
import dev.ferry.project.Project;
import dev.ferry.project.ProjectSettings;
import java.sql.Connection;
import java.sql.SQLException;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;

/** Keeps the {@code projects} table (what the API lists) in step with the Project journal. */
public final class ProjectViewProjectionHandler
    extends JdbcHandler<EventEnvelope<Project.Event>, PlainJdbcSession> {

  @Override
  public void process(PlainJdbcSession session, EventEnvelope<Project.Event> envelope) throws SQLException {
    Connection connection = session.connection();
    String projectId = Projections.entityId(envelope.persistenceId());
    Project.Event event = envelope.event();
    if (event instanceof Project.ProjectCreated created) {
      ProjectSettings s = created.settings();
      Sql.update(connection, "DELETE FROM projects WHERE id = ?", projectId);
      Sql.update(connection,
          "INSERT INTO projects (id, name, owner, git_repo_url, git_branch, root_directory, framework, "
              + "install_command, build_command, output_directory, created_at, updated_at, repo_key) "
              + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          projectId, created.name(), created.owner(), s.gitRepoUrl(), s.gitBranch(), s.rootDirectory(),
          s.framework(), s.installCommand(), s.buildCommand(), s.outputDirectory(), created.at(), created.at(),
          repoKey(s));
    } else if (event instanceof Project.SettingsChanged changed) {
      ProjectSettings s = changed.settings();
      Sql.update(connection,
          "UPDATE projects SET git_repo_url = ?, git_branch = ?, root_directory = ?, framework = ?, "
              + "install_command = ?, build_command = ?, output_directory = ?, updated_at = ?, repo_key = ? "
              + "WHERE id = ?",
          s.gitRepoUrl(), s.gitBranch(), s.rootDirectory(), s.framework(), s.installCommand(), s.buildCommand(),
          s.outputDirectory(), changed.at(), repoKey(s), projectId);
    } else if (event instanceof Project.ProductionPromoted promoted) {
      Sql.update(connection, "UPDATE projects SET production_deployment_id = ?, updated_at = ? WHERE id = ?",
          promoted.deploymentId(), promoted.at(), projectId);
    } else if (event instanceof Project.ProjectDeleted deleted) {
      Sql.update(connection, "UPDATE projects SET deleted = TRUE, updated_at = ? WHERE id = ?", deleted.at(),
          projectId);
    }
  }

  /**
   * Fills in the repository key of rows written before the key existed (the projection does not replay them).
   * Conditional on the URL, so a change the projection writes meanwhile is not overwritten.
   */
  public static int backfillRepositoryKeys(javax.sql.DataSource dataSource) throws SQLException {
    var rows = Sql.query(dataSource,
        "SELECT id, git_repo_url FROM projects WHERE repo_key IS NULL AND git_repo_url IS NOT NULL",
        row -> new String[] {row.getString(1), row.getString(2)});
    int updated = 0;
    for (String[] row : rows) {
      String key = RepositoryKey.of(row[1]).orElse(null);
      if (key != null) {
        updated += Sql.update(dataSource,
            "UPDATE projects SET repo_key = ? WHERE id = ? AND repo_key IS NULL AND git_repo_url = ?", key, row[0],
            row[1]);
      }
    }
    return updated;
  }

  /** What webhooks look projects up by (see {@link RepositoryKey}). */
  private static String repoKey(ProjectSettings settings) {
    return settings == null ? null : RepositoryKey.of(settings.gitRepoUrl()).orElse(null);
  }
}
