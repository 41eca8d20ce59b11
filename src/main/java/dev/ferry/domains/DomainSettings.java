package dev.ferry.domains;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** The {@code ferry.domains} block ({@code domains.conf}). */
public record DomainSettings(
    String acmeDirectoryUrl,
    String acmeTrustRoot,
    String acmeContactEmail,
    Duration orderTimeout,
    Duration certificateLifetimeHint,
    Duration renewBefore,
    List<Duration> retryBackoff,
    String dnsResolver,
    Duration dnsTimeout,
    String cnameTarget,
    List<String> aTargets,
    List<Duration> checkBackoff,
    Duration giveUpAfter,
    Duration pollInterval) {

  /** From {@code ferry.domains}; a configuration without that block (tests) gets {@code domains.conf}'s defaults. */
  public static DomainSettings from(Config config) {
    Config domains = (config.hasPath("ferry.domains") ? config
        : com.typesafe.config.ConfigFactory.parseResources("domains.conf").resolve()).getConfig("ferry.domains");
    return new DomainSettings(
        domains.getString("acme.directory-url").trim(),
        domains.getString("acme.trust-root").trim(),
        domains.getString("acme.contact-email").trim(),
        domains.getDuration("acme.order-timeout"),
        domains.getDuration("acme.certificate-lifetime-hint"),
        domains.getDuration("acme.renew-before"),
        durations(domains.getString("acme.retry-backoff")),
        domains.getString("dns.resolver").trim(),
        domains.getDuration("dns.timeout"),
        domains.getString("cname-target").trim(),
        commaSeparated(domains.getString("a-targets")),
        durations(domains.getString("check-backoff")),
        domains.getDuration("give-up-after"),
        domains.getDuration("poll-interval"));
  }

  /** The wait after the {@code failures}-th failure (1-based): the schedule's entry, its last one repeating. */
  public static Duration backoff(List<Duration> schedule, int failures) {
    return schedule.get(Math.min(Math.max(failures, 1), schedule.size()) - 1);
  }

  static List<Duration> durations(String text) {
    List<Duration> parsed = commaSeparated(text).stream()
        .map(value -> com.typesafe.config.ConfigFactory.parseString("d = " + value).getDuration("d"))
        .toList();
    if (parsed.isEmpty()) {
      throw new IllegalArgumentException("a backoff schedule needs at least one duration: " + text);
    }
    return parsed;
  }

  private static List<String> commaSeparated(String value) {
    return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
