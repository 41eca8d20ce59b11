package dev.ferry.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.util.Locale;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The node's database: H2 in the data directory by default, PostgreSQL in production. The journal, snapshots,
 * read models, queues and offsets all live here; the URL alone decides which database it is.
 */
public final class Database implements AutoCloseable {

  /** Migrations every database runs, and those written for one ({@code {vendor}} is the vendor's folder). */
  public static final String COMMON_MIGRATIONS = "db/migration/common";
  public static final String VENDOR_MIGRATIONS = "db/migration/{vendor}";

  /** What differs between the supported databases: drivers, the Slick profile, the projection dialect. */
  public enum Vendor {
    H2("h2", "org.h2.Driver", "slick.jdbc.H2Profile$", "h2-dialect"),
    POSTGRESQL("postgresql", "org.postgresql.Driver", "slick.jdbc.PostgresProfile$", "postgres-dialect");

    private final String id;
    private final String driver;
    private final String slickProfile;
    private final String projectionDialect;

    Vendor(String id, String driver, String slickProfile, String projectionDialect) {
      this.id = id;
      this.driver = driver;
      this.slickProfile = slickProfile;
      this.projectionDialect = projectionDialect;
    }

    /** The vendor of a JDBC URL: {@code jdbc:h2:…} or {@code jdbc:postgresql:…}. */
    public static Vendor of(String jdbcUrl) {
      String url = jdbcUrl == null ? "" : jdbcUrl.trim().toLowerCase(Locale.ROOT);
      for (Vendor vendor : values()) {
        if (url.startsWith("jdbc:" + vendor.id + ":")) {
          return vendor;
        }
      }
      throw new IllegalArgumentException("Unsupported database URL '" + redact(jdbcUrl)
          + "': Ferry runs on PostgreSQL (jdbc:postgresql://host:5432/database) or H2 (jdbc:h2:…)");
    }

    /** Flyway's name for the vendor, and the name of its migration folder. */
    public String id() {
      return id;
    }

    public String driver() {
      return driver;
    }

    public String slickProfile() {
      return slickProfile;
    }

    public String projectionDialect() {
      return projectionDialect;
    }

    /** Where Flyway finds this vendor's migrations: the common ones and its own folder. */
    public String[] migrationLocations() {
      return new String[] {"classpath:" + COMMON_MIGRATIONS, "classpath:" + VENDOR_MIGRATIONS.replace("{vendor}", id)};
    }

    /** A URL may carry a password ({@code ?password=…}); error messages show only what comes before the query. */
    private static String redact(String url) {
      if (url == null) {
        return "";
      }
      int query = url.indexOf('?');
      return query < 0 ? url : url.substring(0, query) + "?…";
    }
  }

  private final HikariDataSource dataSource;
  private final Vendor vendor;

  private Database(HikariDataSource dataSource, Vendor vendor) {
    this.dataSource = dataSource;
    this.vendor = vendor;
  }

  /**
   * The embedded default's URL. WRITE_DELAY=0 because H2 otherwise acknowledges commits it has not written yet,
   * and a killed node would lose accepted events.
   */
  public static String embeddedUrl(Path dataDir) {
    return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("db").resolve("ferry") + ";WRITE_DELAY=0";
  }

  public static Database open(String url, String user, String password, int poolSize) {
    Vendor vendor = Vendor.of(url);
    HikariConfig config = new HikariConfig();
    config.setDriverClassName(vendor.driver());
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(poolSize);
    config.setPoolName("ferry-read-models");
    config.setAutoCommit(true);
    return new Database(new HikariDataSource(config), vendor);
  }

  /** Applies the versioned migrations: {@code db/migration/common} and the vendor's own folder. */
  public void migrate() {
    Flyway.configure().dataSource(dataSource).locations(vendor.migrationLocations()).load().migrate();
  }

  public Vendor vendor() {
    return vendor;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
