package dev.ferry.routing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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

  /** {@code <project>-git-<branch slug>.<base>}: the newest READY deployment of a branch. */
  public String branch(String projectName, String branch) {
    return branchLabel(projectName, branch) + "." + baseDomain;
  }

  /** A DNS label holds at most 63 characters. */
  static final int MAX_LABEL = 63;
  private static final int HASH_LENGTH = 6;

  /**
   * {@code <project>-git-<slug>} where the slug is the branch in lower case with every run of other characters than
   * {@code a-z0-9} turned into one '-', trimmed of '-'. A label that would be longer than 63 characters is cut and
   * ends in '-' and six hex digits of a hash of project and branch instead, as Vercel does, so that long branch
   * names sharing a prefix still get different hosts.
   */
  public static String branchLabel(String projectName, String branch) {
    String slug = slug(branch);
    String label = projectName + "-git-" + slug;
    if (label.length() <= MAX_LABEL && !slug.isEmpty()) {
      return label;
    }
    String hash = hash(projectName + "/" + branch);
    String cut = label.substring(0, Math.min(label.length(), MAX_LABEL - HASH_LENGTH - 1));
    cut = cut.replaceAll("-+$", "");
    return cut + "-" + hash;
  }

  static String slug(String branch) {
    return branch.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
  }

  private static String hash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, HASH_LENGTH);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public String url(String host) {
    return scheme + "://" + host + portSuffix;
  }
}
