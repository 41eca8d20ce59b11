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
    GitHub github,
    Cluster cluster,
    S3 s3) {

  /**
   * {@code webhookSecret}: the installation-wide secret of GitHub webhooks (empty: only projects' own secrets);
   * {@code maxPayloadBytes}: the largest delivery accepted (GitHub caps them at 25 MiB).
   */
  public record GitHub(String webhookSecret, long maxPayloadBytes) {}

  /** Roles a node may have; nodes without {@code api} still answer health probes (see README, Production). */
  public static final List<String> ROLES = List.of("api", "edge", "build", "functions");

  public record Auth(boolean signupEnabled, String adminEmail, String adminPassword, Duration accessTokenTtl,
      Duration refreshLifetime, String jwtKey, boolean secureCookies) {}

  public record RateLimits(int authPerAddressPerMinute, int authPerAccountPerMinute, int apiPerPrincipalPerMinute) {}

  public record Build(int slots, Duration timeout, Duration lease, Duration pollInterval, long maxLogBytes,
      int maxOutputFiles, long maxOutputBytes, int maxAttempts) {}

  /**
   * Cluster membership from {@code FERRY_ROLES} and {@code FERRY_SEED_NODES}; empty lists keep {@code cluster.conf}'s
   * roles and let the node join itself.
   */
  public record Cluster(List<String> roles, List<String> seedNodes) {}

  /** The S3 (or MinIO) bucket holding blobs and manifests; without a bucket they stay in the data directory. */
  public record S3(String bucket, String endpoint, String region, boolean pathStyleAccess, String accessKey,
      String secretKey) {

    public boolean enabled() {
      return !bucket.isBlank();
    }

    @Override
    public String toString() {
      return "S3[bucket=" + bucket + ", endpoint=" + endpoint + ", region=" + region + ", pathStyleAccess="
          + pathStyleAccess + ", accessKey=" + (accessKey.isBlank() ? "" : "***") + ", secretKey="
          + (secretKey.isBlank() ? "" : "***") + "]";
    }
  }

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
            ferry.getBytes("github.max-payload-size")),
        new Cluster(roles(ferry.getString("cluster.roles")), seedNodes(ferry.getString("cluster.seed-nodes"))),
        new S3(
            ferry.getString("storage.s3.bucket").trim(),
            ferry.getString("storage.s3.endpoint").trim(),
            ferry.getString("storage.s3.region").trim(),
            ferry.getBoolean("storage.s3.path-style-access"),
            ferry.getString("storage.s3.access-key"),
            ferry.getString("storage.s3.secret-key")));
  }

  private static List<String> roles(String value) {
    List<String> roles = commaSeparated(value).stream().map(String::toLowerCase).distinct().toList();
    for (String role : roles) {
      if (!ROLES.contains(role)) {
        throw new IllegalArgumentException(
            "Unknown node role '" + role + "' in FERRY_ROLES; the roles are " + String.join(", ", ROLES));
      }
    }
    return roles;
  }

  private static List<String> seedNodes(String value) {
    List<String> seeds = commaSeparated(value);
    for (String seed : seeds) {
      // Every node's actor system is named "ferry"; a seed of another name could never be joined.
      if (!seed.matches("pekko://ferry@(\\[[0-9A-Fa-f:.]+\\]|[^:/\\s\\[\\]]+):\\d{1,5}")) {
        throw new IllegalArgumentException("Seed node '" + seed
            + "' in FERRY_SEED_NODES is not a cluster address such as pekko://ferry@10.0.0.5:25520");
      }
    }
    return seeds;
  }

  private static List<String> commaSeparated(String value) {
    return Arrays.stream(value.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
  }

  public Path blobDir() {
    return dataDir.resolve("blobs");
  }

  /** Local copies of blobs kept in S3, for the edge to serve from. */
  public Path blobCacheDir() {
    return dataDir.resolve("blob-cache");
  }

  public Path buildsDir() {
    return dataDir.resolve("builds");
  }
}
