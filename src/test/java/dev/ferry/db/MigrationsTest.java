package dev.ferry.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.EmbeddedPostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The migrations of every supported database: each vendor folder has the same versions, and the common migrations
 * with the vendor's own run on a real H2 and a real PostgreSQL, leaving the tables Pekko and Ferry read.
 */
class MigrationsTest {

  private static final Pattern VERSIONED = Pattern.compile("V([0-9]+(?:[._][0-9]+)*)__.+\\.sql");

  private static EmbeddedPostgresServer postgres;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = EmbeddedPostgresServer.start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void everyVendorFolderHasTheSameVersionsAndNoneRepeatsACommonOne() throws Exception {
    Set<String> h2 = versions("db/migration/h2");
    Set<String> postgresql = versions("db/migration/postgresql");
    Set<String> common = versions(Database.COMMON_MIGRATIONS);
    assertFalse(h2.isEmpty());
    assertEquals(h2, postgresql, "db/migration/h2 and db/migration/postgresql must have the same versions");
    assertTrue(common.stream().noneMatch(h2::contains), "a version is either common or per vendor: " + common);
    assertEquals(Set.of("h2", "postgresql"),
        Arrays.stream(Database.Vendor.values()).map(Database.Vendor::id).collect(Collectors.toSet()));
  }

  @Test
  void noMigrationLiesOutsideTheCommonAndVendorFolders() throws Exception {
    // Flyway reads only db/migration/common and db/migration/{vendor}: a file beside them would never run.
    try (Stream<Path> files = Files.list(folder("db/migration"))) {
      List<String> stray = files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).toList();
      assertEquals(List.of(), stray, "move these into db/migration/common (portable) or every vendor folder");
    }
  }

  @Test
  void everyMigrationRunsOnH2() throws Exception {
    try (Database database = Database.open(
        "jdbc:h2:mem:migrations-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "ferry", "", 2)) {
      assertEquals(Database.Vendor.H2, database.vendor());
      assertMigrated(database, "db/migration/h2");
    }
  }

  @Test
  void everyMigrationRunsOnPostgreSQL() throws Exception {
    String url = postgres.createDatabase("migrations");
    try (Database database = Database.open(url, EmbeddedPostgresServer.USER, EmbeddedPostgresServer.PASSWORD, 2)) {
      assertEquals(Database.Vendor.POSTGRESQL, database.vendor());
      assertMigrated(database, "db/migration/postgresql");
      database.migrate(); // a second start finds nothing to do
    }
  }

  @Test
  void anEmbeddedDatabaseMigratedBeforeTheVendorFoldersStartsAsItIs(@TempDir Path oldLayout) throws Exception {
    // Until the vendor folders came, V1 and V2 lay side by side in db/migration: same files, same checksums.
    for (String folder : List.of("db/migration/h2", Database.COMMON_MIGRATIONS)) {
      try (Stream<Path> files = Files.list(folder(folder))) {
        for (Path file : files.filter(f -> f.getFileName().toString().matches("V[12]__.*")).toList()) {
          Files.copy(file, oldLayout.resolve(file.getFileName()));
        }
      }
    }
    try (Database database = Database.open(
        "jdbc:h2:mem:upgrade-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "ferry", "", 2)) {
      Flyway.configure().dataSource(database.dataSource()).locations("filesystem:" + oldLayout).load().migrate();

      database.migrate(); // validates the applied V1 and V2 against the moved files, then applies what is new

      assertMigrated(database, "db/migration/h2");
    }
  }

  private static void assertMigrated(Database database, String vendorFolder) throws Exception {
    database.migrate();
    Set<String> expected = new TreeSet<>(versions(Database.COMMON_MIGRATIONS));
    expected.addAll(versions(vendorFolder));
    Set<String> applied = Arrays.stream(Flyway.configure().dataSource(database.dataSource())
            .locations(database.vendor().migrationLocations()).load().info().applied())
        .filter(MigrationInfo::isVersioned)
        .map(info -> info.getVersion().getVersion())
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(expected, applied);
    // What the journal, the offset store and the read models query, written the same way on both databases.
    probe(database.dataSource(), "SELECT MAX(\"ordering\") FROM \"event_journal\"");
    probe(database.dataSource(), "SELECT \"event_id\", \"tag\" FROM \"event_tag\"");
    probe(database.dataSource(), "SELECT \"persistence_id\", \"snapshot_payload\" FROM \"snapshot\"");
    probe(database.dataSource(),
        "SELECT \"projection_name\", \"current_offset\" FROM \"pekko_projection_offset_store\"");
    probe(database.dataSource(), "SELECT \"projection_name\", \"paused\" FROM \"pekko_projection_management\"");
    probe(database.dataSource(), "SELECT id, owner, deleted, created_at FROM projects");
    probe(database.dataSource(), "SELECT host, deployment_id FROM routes");
    probe(database.dataSource(), "SELECT deployment_id, lease_until FROM build_queue");
  }

  private static void probe(DataSource dataSource, String sql) throws Exception {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      statement.executeQuery(sql).close();
    }
  }

  private static Set<String> versions(String resourceFolder) throws Exception {
    try (Stream<Path> files = Files.list(folder(resourceFolder))) {
      return files.map(p -> p.getFileName().toString())
          .map(name -> {
            Matcher matcher = VERSIONED.matcher(name);
            assertTrue(matcher.matches(), resourceFolder + "/" + name + " is not a versioned migration (V<n>__name.sql)");
            return matcher.group(1).replace('_', '.');
          })
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  /** The source folder, not target/classes: a migration moved or deleted in the sources may linger there. */
  private static Path folder(String resource) {
    Path folder = Path.of(System.getProperty("basedir", "."), "src", "main", "resources").resolve(resource);
    assertTrue(Files.isDirectory(folder), folder + " is not a folder");
    return folder;
  }
}
