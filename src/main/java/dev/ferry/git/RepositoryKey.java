package dev.ferry.git;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One name for a repository however its URL is written, so that a webhook finds the projects that build it:
 * {@code https://github.com/Owner/Repo.git}, {@code https://github.com/owner/repo}, {@code git@github.com:owner/repo.git}
 * and {@code ssh://git@github.com:22/owner/repo.git} are all {@code github.com/owner/repo}. Host and path are
 * lower-cased (GitHub, GitLab and Gitea treat owner and repository names case-insensitively), user, port, a trailing
 * slash and a trailing {@code .git} are dropped. Local repositories ({@code file:} URLs or absolute paths) are
 * {@code file:<absolute normalized path>}, case and {@code .git} kept.
 */
public final class RepositoryKey {

  /** {@code [user@]host:path}, the scp-like form ssh and git accept. */
  private static final Pattern SCP_LIKE =
      Pattern.compile("^(?:[A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(?!/)([^\\s:][^\\s]*)$");

  private RepositoryKey() {}

  public static Optional<String> of(String url) {
    if (url == null || url.isBlank()) {
      return Optional.empty();
    }
    String value = url.strip();
    String lower = value.toLowerCase(Locale.ROOT);
    try {
      if (lower.startsWith("file:")) {
        return local(Path.of(new URI(value)));
      }
      if (value.startsWith("/")) {
        return local(Path.of(value));
      }
      if (!value.contains("://")) {
        Matcher scp = SCP_LIKE.matcher(value);
        return scp.matches() ? remote(scp.group(1), scp.group(2)) : Optional.empty();
      }
      URI uri = new URI(value);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("https") && !scheme.equals("http") && !scheme.equals("ssh") && !scheme.equals("git")
          && !scheme.equals("git+ssh")) {
        return Optional.empty();
      }
      return remote(uri.getHost(), uri.getPath());
    } catch (URISyntaxException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> remote(String host, String path) {
    if (host == null || host.isBlank() || path == null) {
      return Optional.empty();
    }
    String trimmed = path.replaceAll("^/+", "").replaceAll("/+$", "");
    if (trimmed.toLowerCase(Locale.ROOT).endsWith(".git")) {
      trimmed = trimmed.substring(0, trimmed.length() - 4);
    }
    if (trimmed.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of((host + "/" + trimmed).toLowerCase(Locale.ROOT));
  }

  private static Optional<String> local(Path path) {
    String normalized = path.toAbsolutePath().normalize().toString();
    if (normalized.length() > 1 && normalized.endsWith("/")) {
      normalized = normalized.substring(0, normalized.length() - 1);
    }
    return Optional.of("file:" + normalized);
  }
}
