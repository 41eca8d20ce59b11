package dev.ferry.views;

import static dev.ferry.testing.ProjectionTests.column;
import static dev.ferry.testing.ProjectionTests.instant;
import static dev.ferry.testing.ProjectionTests.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ferry.common.Initiator;
import dev.ferry.project.Project;
import dev.ferry.project.ProjectSettings;
import dev.ferry.secrets.WrappedKey;
import dev.ferry.testing.ProjectionTestDatabase;
import dev.ferry.testing.ProjectionTests;
import dev.ferry.testing.ProjectionTests.CountingHandler;
import dev.ferry.testing.ProjectionTests.Journal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ProjectViewProjectionTest extends ProjectionTestDatabase {

  private static final String NAME = "project-views";
  private static final Initiator ALICE = Initiator.user("usr_alice");
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
  private static final ProjectSettings SETTINGS = new ProjectSettings("https://github.com/acme/blog.git", "main",
      null, "vite", null, "npm run build", "dist");
  private static final ProjectSettings OTHER_SETTINGS = new ProjectSettings("https://github.com/acme/blog.git",
      "release", "web", "astro", "pnpm install", "pnpm build", "out");

  private static final ProjectionTests kit = ProjectionTests.start(ProjectViewProjectionTest.class);

  private final Journal<Project.Event> journal = new Journal<>("Project");

  @AfterAll
  static void shutdown() {
    kit.close();
  }

  @Test
  void projectCreatedInsertsTheRow() {
    journal.append("prj_1", created("blog", T0));

    run(() -> {
      Map<String, Object> row = project("prj_1");
      assertEquals("blog", row.get("name"));
      assertEquals("usr_alice", row.get("owner"));
      assertEquals(SETTINGS.gitRepoUrl(), row.get("git_repo_url"));
      assertEquals("main", row.get("git_branch"));
      assertNull(row.get("root_directory"));
      assertEquals("vite", row.get("framework"));
      assertEquals("npm run build", row.get("build_command"));
      assertEquals("dist", row.get("output_directory"));
      assertNull(row.get("production_deployment_id"));
      assertEquals(false, row.get("deleted"));
      assertEquals(T0, instant(row.get("created_at")));
      assertEquals(T0, instant(row.get("updated_at")));
      assertEquals("github.com/acme/blog", row.get("repo_key"), "what webhooks look the project up by");
    });
  }

  @Test
  void theRepositoryKeyFollowsTheRepositoryUrl() {
    journal.append("prj_1", created("blog", T0));
    journal.append("prj_1", new Project.SettingsChanged(new ProjectSettings("git@github.com:Acme/Web.git", "main",
        null, null, null, null, null), ALICE, T0.plusSeconds(60)));
    run(() -> assertEquals("github.com/acme/web", project("prj_1").get("repo_key")));

    journal.append("prj_1", new Project.SettingsChanged(new ProjectSettings(null, "main", null, null, null, null,
        null), ALICE, T0.plusSeconds(120)));
    run(() -> assertNull(project("prj_1").get("repo_key")));
  }

  @Test
  void rowsWrittenBeforeRepositoryKeysExistedGetOne() throws Exception {
    dev.ferry.db.Sql.update(database.dataSource(), "INSERT INTO projects (id, name, owner, git_repo_url, git_branch, "
        + "created_at, updated_at) VALUES ('prj_old', 'old', 'usr_alice', 'https://github.com/Acme/Old.git', 'main', "
        + "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
    dev.ferry.db.Sql.update(database.dataSource(), "INSERT INTO projects (id, name, owner, created_at, updated_at) "
        + "VALUES ('prj_none', 'none', 'usr_alice', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");

    assertEquals(1, ProjectViewProjectionHandler.backfillRepositoryKeys(database.dataSource()));
    assertEquals("github.com/acme/old", project("prj_old").get("repo_key"));
    assertNull(project("prj_none").get("repo_key"));
    assertEquals(0, ProjectViewProjectionHandler.backfillRepositoryKeys(database.dataSource()));
  }

  @Test
  void settingsChangedUpdatesTheSettings() {
    journal.append("prj_1", created("blog", T0));
    journal.append("prj_1", new Project.SettingsChanged(OTHER_SETTINGS, ALICE, T0.plusSeconds(60)));

    run(() -> {
      Map<String, Object> row = project("prj_1");
      assertEquals("release", row.get("git_branch"));
      assertEquals("web", row.get("root_directory"));
      assertEquals("astro", row.get("framework"));
      assertEquals("pnpm install", row.get("install_command"));
      assertEquals("pnpm build", row.get("build_command"));
      assertEquals("out", row.get("output_directory"));
      assertEquals(T0, instant(row.get("created_at")));
      assertEquals(T0.plusSeconds(60), instant(row.get("updated_at")));
    });
  }

  @Test
  void productionPromotedSetsTheProductionDeployment() {
    journal.append("prj_1", created("blog", T0));
    journal.append("prj_1", promoted("blog", "dpl_1", 1, null, T0.plusSeconds(1)));
    run(() -> assertEquals("dpl_1", project("prj_1").get("production_deployment_id")));

    journal.append("prj_1", promoted("blog", "dpl_2", 2, "dpl_1", T0.plusSeconds(2)));
    run(() -> {
      Map<String, Object> row = project("prj_1");
      assertEquals("dpl_2", row.get("production_deployment_id"));
      assertEquals(T0.plusSeconds(2), instant(row.get("updated_at")));
    });
  }

  @Test
  void projectDeletedSetsTheDeletedFlag() {
    journal.append("prj_1", created("blog", T0));
    journal.append("prj_2", created("docs", T0));
    journal.append("prj_1", new Project.ProjectDeleted("blog", ALICE, T0.plusSeconds(5)));

    run(() -> {
      assertEquals(true, project("prj_1").get("deleted"));
      assertEquals(T0.plusSeconds(5), instant(project("prj_1").get("updated_at")));
      assertEquals(false, project("prj_2").get("deleted"));
    });
  }

  @Test
  void anEnvelopeAtAStoredOffsetIsNotProcessedAgain() throws Exception {
    AtomicInteger processed = new AtomicInteger();
    journal.append("prj_1", created("blog", T0));
    journal.append("prj_1", new Project.SettingsChanged(OTHER_SETTINGS, ALICE, T0.plusSeconds(1)));
    runCounting(processed, () -> assertEquals("release", project("prj_1").get("git_branch")));
    assertEquals(2, processed.get());

    // The second run is handed the whole tag again; it resumes after the stored offset, so ProjectCreated
    // (which would reset the settings) is not applied twice.
    journal.append("prj_1", promoted("blog", "dpl_1", 1, null, T0.plusSeconds(2)));
    runCounting(processed, () -> {
      Map<String, Object> row = project("prj_1");
      assertEquals("release", row.get("git_branch"));
      assertEquals("dpl_1", row.get("production_deployment_id"));
    });
    assertEquals(3, processed.get());
  }

  @Test
  void projectCreatedDeliveredTwiceLeavesOneRow() throws Exception {
    // Only an offset reset delivers an event again; the handler must then not fail on the existing row.
    journal.redeliver(journal.append("prj_1", created("blog", T0)));

    run(() -> assertEquals("blog", project("prj_1").get("name")));
    assertEquals(List.of(1L), column(database, "SELECT COUNT(*) FROM projects WHERE id = ?", "prj_1"));
  }

  private void run(org.apache.pekko.japi.function.Effect assertion) {
    kit.runExactlyOnce(NAME, journal, database, ProjectViewProjectionHandler::new, assertion);
  }

  private void runCounting(AtomicInteger processed, org.apache.pekko.japi.function.Effect assertion) {
    kit.runExactlyOnce(NAME, journal, database,
        () -> new CountingHandler<>(new ProjectViewProjectionHandler(), processed), assertion);
  }

  private Map<String, Object> project(String id) throws Exception {
    return row(database, "SELECT * FROM projects WHERE id = ?", id);
  }

  private static Project.ProjectCreated created(String name, Instant at) {
    return new Project.ProjectCreated("prj_x", name, "usr_alice", SETTINGS,
        new WrappedKey("mk-0000000000000000", "d3JhcHBlZA=="), ALICE, at);
  }

  private static Project.ProductionPromoted promoted(String name, String deploymentId, long number,
      String previous, Instant at) {
    return new Project.ProductionPromoted(name, deploymentId, number, previous, Project.PromotionReason.AUTO,
        Initiator.system("auto-promotion"), at);
  }
}
