package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ferry.db.Database;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the node derives from its settings: the database's driver, Slick profile and dialect; roles; seed nodes. */
class FerryNodeConfigurationTest {

  private static final String SHARED_DB = "pekko-persistence-jdbc.shared-databases.ferry";

  @Test
  void theEmbeddedDefaultIsH2InTheDataDirectoryAndAClusterOfOne() {
    Config config = configuration("ferry.data-dir = \"/tmp/ferry-data\"");

    assertEquals(Database.embeddedUrl(Path.of("/tmp/ferry-data")), config.getString("ferry.db.url"));
    assertEquals(config.getString("ferry.db.url"), config.getString(SHARED_DB + ".db.url"));
    assertEquals("slick.jdbc.H2Profile$", config.getString(SHARED_DB + ".profile"));
    assertEquals("org.h2.Driver", config.getString(SHARED_DB + ".db.driver"));
    assertEquals("h2-dialect", config.getString("pekko.projection.jdbc.dialect"));
    assertEquals(List.of("api", "edge", "build"), config.getStringList("pekko.cluster.roles"));
    assertEquals(List.of(), config.getStringList("pekko.cluster.seed-nodes"));
  }

  @Test
  void aPostgresUrlMovesJournalSnapshotsOffsetsAndReadModelsToPostgres() {
    Config config = configuration("""
        ferry.db.url = "jdbc:postgresql://db.internal:5432/ferry"
        ferry.db.user = "ferry"
        ferry.db.password = "secret"
        """);

    assertEquals("jdbc:postgresql://db.internal:5432/ferry", config.getString(SHARED_DB + ".db.url"));
    assertEquals("ferry", config.getString(SHARED_DB + ".db.user"));
    assertEquals("secret", config.getString(SHARED_DB + ".db.password"));
    assertEquals("slick.jdbc.PostgresProfile$", config.getString(SHARED_DB + ".profile"));
    assertEquals("org.postgresql.Driver", config.getString(SHARED_DB + ".db.driver"));
    assertEquals("postgres-dialect", config.getString("pekko.projection.jdbc.dialect"));
    for (String plugin : List.of("jdbc-journal", "jdbc-snapshot-store", "jdbc-read-journal")) {
      assertEquals("ferry", config.getString(plugin + ".use-shared-db"), plugin);
    }
  }

  @Test
  void anUnsupportedDatabaseIsRefusedWithoutShowingItsPassword() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> configuration("ferry.db.url = \"jdbc:mysql://db:3306/ferry?password=hunter2\""));
    assertTrue(refused.getMessage().contains("PostgreSQL"), refused.getMessage());
    assertTrue(!refused.getMessage().contains("hunter2"), refused.getMessage());
  }

  @Test
  void rolesAndSeedNodesComeFromTheirCommaSeparatedSettings() {
    Config config = configuration("""
        ferry.cluster.roles = " edge, Build ,edge"
        ferry.cluster.seed-nodes = "pekko://ferry@10.0.0.5:25520, pekko://ferry@[fd00::6]:25520"
        """);

    assertEquals(List.of("edge", "build"), config.getStringList("pekko.cluster.roles"));
    assertEquals(List.of("pekko://ferry@10.0.0.5:25520", "pekko://ferry@[fd00::6]:25520"),
        config.getStringList("pekko.cluster.seed-nodes"));
    assertEquals(List.of("edge", "build"), FerrySettings.from(config).cluster().roles());
  }

  @Test
  void unknownRolesAndMalformedSeedNodesStopTheStart() {
    IllegalArgumentException role = assertThrows(IllegalArgumentException.class,
        () -> configuration("ferry.cluster.roles = \"api,egde\""));
    assertTrue(role.getMessage().contains("'egde'") && role.getMessage().contains("FERRY_ROLES"), role.getMessage());

    for (String seed : List.of("10.0.0.5:25520", "pekko://other@10.0.0.5:25520", "pekko://ferry@10.0.0.5")) {
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
          () -> configuration("ferry.cluster.seed-nodes = \"" + seed + "\""), seed);
      assertTrue(refused.getMessage().contains("FERRY_SEED_NODES"), refused.getMessage());
    }
  }

  @Test
  void theS3SettingsKeepTheirSecretsOutOfLogs() {
    FerrySettings settings = FerrySettings.from(configuration("""
        ferry.storage.s3 { bucket = "ferry-blobs", endpoint = "http://minio:9000", path-style-access = true,
          access-key = "minio-user", secret-key = "minio-secret" }
        """));

    assertTrue(settings.s3().enabled());
    assertEquals("http://minio:9000", settings.s3().endpoint());
    assertEquals("us-east-1", settings.s3().region());
    assertTrue(settings.s3().pathStyleAccess());
    assertTrue(!settings.s3().toString().contains("minio-secret") && !settings.s3().toString().contains("minio-user"));
    assertTrue(!FerrySettings.from(configuration("")).s3().enabled());
  }

  private static Config configuration(String overrides) {
    return FerryNode.configuration(
        ConfigFactory.parseString(overrides).withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
  }
}
