package dev.ferry.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ferry.FerryNode;
import dev.ferry.db.Database;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;

/**
 * A real PostgreSQL server with Ferry's schema (its Flyway migrations), and the configuration a Ferry node derives
 * for it — the journal and snapshot plugins of pekko-persistence-jdbc with the PostgreSQL Slick profile and driver —
 * for the persistence TCK. The actor system is a local one: the TCK needs no cluster. The TCK's suites own their
 * actor system's life; the server stops when the test JVM does.
 */
public final class PostgresJournalDatabase {

  private PostgresJournalDatabase() {}

  /**
   * Starts a server, migrates a new database, and answers {@code tckConfig} layered over Ferry's configuration for
   * it.
   */
  public static Config start(Config tckConfig) {
    try {
      EmbeddedPostgresServer server = EmbeddedPostgresServer.start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          server.close();
        } catch (IOException e) {
          // the JVM is going away
        }
      }));
      String url = server.createDatabase("journal_tck");
      Database database = Database.open(url, EmbeddedPostgresServer.USER, EmbeddedPostgresServer.PASSWORD, 2);
      try {
        database.migrate();
      } finally {
        database.close();
      }
      Config ferry = FerryNode.configuration(ConfigFactory.parseMap(Map.of(
          "ferry.db.url", url,
          "ferry.db.user", EmbeddedPostgresServer.USER,
          "ferry.db.password", EmbeddedPostgresServer.PASSWORD,
          "ferry.data-dir", Files.createTempDirectory("journal-tck").toString(),
          "pekko.actor.provider", "local",
          // The TCK's expectations wait 3 s by default; a busy shared machine needs longer.
          "pekko.test.timefactor", 10))
          .withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
      return tckConfig.withFallback(ferry);
    } catch (Exception e) {
      throw new IllegalStateException("Could not start PostgreSQL for the persistence TCK", e);
    }
  }
}
