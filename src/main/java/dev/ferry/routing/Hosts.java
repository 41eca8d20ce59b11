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
}
