package dev.ferry.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetentionSettingsTest {

  private static Config config(String overrides) {
    return ConfigFactory.parseString(overrides).withFallback(ConfigFactory.parseResources("retention.conf"))
        .withFallback(ConfigFactory.parseResources("ferry.conf")).resolve();
  }

  @Test
  void theDefaultsKeepTenProductionDeploymentsAndPreviewsForThirtyDays() {
    RetentionSettings settings = RetentionSettings.from(config(""));
    assertEquals(new RetentionSettings(true, Duration.ofHours(1), Duration.ofDays(30), 10, Duration.ofHours(24)),
        settings);
    assertEquals("30 days", Retention.describe(settings.previewMaxAge()));
  }

  @Test
  void theGracePeriodMustOutlastABuild() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> RetentionSettings.from(config("ferry.retention.gc-grace = 10 minutes")));
    assertTrue(error.getMessage().contains("ferry.build.timeout"), error.getMessage());
  }

  @Test
  void theRollbackWindowCannotBeEmpty() {
    assertThrows(IllegalArgumentException.class,
        () -> RetentionSettings.from(config("ferry.retention.production-keep = 0")));
    assertThrows(IllegalArgumentException.class,
        () -> RetentionSettings.from(config("ferry.retention.preview-max-age = 0 s")));
  }
}
