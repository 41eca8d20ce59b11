package dev.ferry.retention;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * {@code ferry.retention}: how long previews serve, how many former production deployments stay ready for a
 * rollback, how often retention runs, and how long an unreferenced blob is kept before it is collected.
 */
public record RetentionSettings(boolean enabled, Duration interval, Duration previewMaxAge, int productionKeep,
    Duration gcGrace) {

  public RetentionSettings {
    if (productionKeep < 1) {
      throw new IllegalArgumentException("ferry.retention.production-keep must be at least 1 (the rollback window)");
    }
    if (previewMaxAge.isNegative() || previewMaxAge.isZero() || interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("ferry.retention.preview-max-age and interval must be positive");
    }
    if (gcGrace.compareTo(Duration.ofMinutes(1)) < 0) {
      throw new IllegalArgumentException("ferry.retention.gc-grace must be at least a minute (longer than a build)");
    }
  }

  public static RetentionSettings from(Config config) {
    Config retention = config.getConfig("ferry.retention");
    RetentionSettings settings = new RetentionSettings(retention.getBoolean("enabled"),
        retention.getDuration("interval"), retention.getDuration("preview-max-age"),
        retention.getInt("production-keep"), retention.getDuration("gc-grace"));
    Duration buildTimeout = config.getDuration("ferry.build.timeout");
    if (settings.gcGrace().compareTo(buildTimeout) <= 0) {
      throw new IllegalArgumentException("ferry.retention.gc-grace (" + settings.gcGrace()
          + ") must be longer than ferry.build.timeout (" + buildTimeout + "): a build's blobs are unreferenced "
          + "until it publishes its manifest");
    }
    return settings;
  }
}
