package dev.ferry;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

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
    Build build,
    Auth auth,
    String masterKey,
    List<String> corsOrigins,
    RateLimits rateLimits,
    List<String> retiredMasterKeys,
    long maxRepositoryBytes,
    GitHub github) {

  /**
   * {@code webhookSecret}: the installation-wide secret of GitHub webhooks (empty: only projects' own secrets);
   * {@code maxPayloadBytes}: the largest delivery accepted (GitHub caps them at 25 MiB).
   */
  public record GitHub(String webhookSecret, long maxPayloadBytes) {}

  public record Auth(boolean signupEnabled, String adminEmail, String adminPassword, Duration accessTokenTtl,
      Duration refreshLifetime, String jwtKey, boolean secureCookies) {}

  public record RateLimits(int authPerAddressPerMinute, int authPerAccountPerMinute, int apiPerPrincipalPerMinute) {}

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
            ferry.getInt("build.max-attempts")),
        new Auth(
            ferry.getBoolean("auth.signup-enabled"),
            ferry.getString("auth.admin-email"),
            ferry.getString("auth.admin-password"),
            ferry.getDuration("auth.access-token-ttl"),
            ferry.getDuration("auth.refresh-lifetime"),
            ferry.getString("auth.jwt-key"),
            ferry.getBoolean("auth.secure-cookies")),
        ferry.getString("secrets.master-key"),
        commaSeparated(ferry.getString("http.cors-origins")),
        new RateLimits(
            ferry.getInt("rate-limits.auth-per-address-per-minute"),
            ferry.getInt("rate-limits.auth-per-account-per-minute"),
            ferry.getInt("rate-limits.api-per-principal-per-minute")),
        commaSeparated(ferry.getString("secrets.retired-master-keys")),
        ferry.getBytes("git.max-repository-size"),
        new GitHub(
            ferry.getString("github.webhook-secret"),
            ferry.getBytes("github.max-payload-size")));
  }

  private static List<String> commaSeparated(String value) {
    return Arrays.stream(value.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
  }

  public Path blobDir() {
    return dataDir.resolve("blobs");
  }

  public Path buildsDir() {
    return dataDir.resolve("builds");
  }
}
