package dev.ferry;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;

/** The {@code ferry} block of the configuration, read once at start. */
public record FerrySettings(
    Path dataDir,
    String apiInterface,
    int apiPort,
    String edgeInterface,
    int edgePort,
    String baseDomain,
    String publicScheme,
    int publicPort,
    String dbUrl,
    String dbUser,
    String dbPassword,
    boolean allowLocalRepositories,
    Duration cloneTimeout,
    Build build) {

  public record Build(int slots, Duration timeout, Duration lease, Duration pollInterval, long maxLogBytes,
      int maxOutputFiles, long maxOutputBytes, int maxAttempts) {}

  public static FerrySettings from(Config config) {
    Config ferry = config.getConfig("ferry");
    Path dataDir = Path.of(ferry.getString("data-dir")).toAbsolutePath();
    int edgePort = ferry.getInt("edge.port");
    String publicPort = ferry.getString("edge.public-port");
    int configuredSlots = ferry.getInt("build.slots");
    int slots = configuredSlots > 0 ? configuredSlots : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    return new FerrySettings(
        dataDir,
        ferry.getString("api.interface"),
        ferry.getInt("api.port"),
        ferry.getString("edge.interface"),
        edgePort,
        ferry.getString("base-domain"),
        ferry.getString("edge.public-scheme"),
        publicPort.isBlank() ? edgePort : Integer.parseInt(publicPort.trim()),
        ferry.getString("db.url"),
        ferry.getString("db.user"),
        ferry.getString("db.password"),
        ferry.getBoolean("git.allow-local-repositories"),
        ferry.getDuration("git.clone-timeout"),
        new Build(
            slots,
            ferry.getDuration("build.timeout"),
            ferry.getDuration("build.lease"),
            ferry.getDuration("build.poll-interval"),
            ferry.getBytes("build.max-log-bytes"),
            ferry.getInt("build.max-output-files"),
            ferry.getBytes("build.max-output-bytes"),
            ferry.getInt("build.max-attempts")));
  }

  public Path blobDir() {
    return dataDir.resolve("blobs");
  }

  public Path buildsDir() {
    return dataDir.resolve("builds");
  }
}
