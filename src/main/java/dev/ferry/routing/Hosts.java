package dev.ferry.routing;

import java.util.Locale;

/** The host names Ferry gives out under its base domain, and the URLs shown for them. */
public final class Hosts {

  private final String baseDomain;
  private final String scheme;
  private final String portSuffix;

  public Hosts(String baseDomain, String scheme, int publicPort) {
    this.baseDomain = baseDomain.toLowerCase(Locale.ROOT);
    this.scheme = scheme;
    boolean defaultPort = ("http".equals(scheme) && publicPort == 80) || ("https".equals(scheme) && publicPort == 443);
    this.portSuffix = defaultPort ? "" : ":" + publicPort;
  }

  /** {@code <project>.<base>}: the production deployment. */
  public String production(String projectName) {
    return projectName + "." + baseDomain;
  }

  /** {@code <project>-<id>.<base>}: one deployment, immutable. */
  public String deployment(String projectName, String deploymentId) {
    return projectName + "-" + deploymentId + "." + baseDomain;
  }

  public String url(String host) {
    return scheme + "://" + host + portSuffix;
  }

  /** Lower-case, without port and trailing dot; null when the header is missing or malformed. */
  public static String normalize(String hostHeader) {
    if (hostHeader == null || hostHeader.isEmpty()) {
      return null;
    }
    String host = hostHeader.toLowerCase(Locale.ROOT);
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end < 0 ? null : host.substring(0, end + 1);
    }
    int colon = host.indexOf(':');
    if (colon >= 0) {
      host = host.substring(0, colon);
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    return host.isEmpty() ? null : host;
  }
}
