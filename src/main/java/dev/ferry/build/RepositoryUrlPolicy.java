package dev.ferry.build;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Which repository URLs a checkout may fetch from. Only HTTPS reaches other machines: ssh and git:// need
 * keys or leak metadata, http:// can be tampered with, and {@code ext::} or local paths would let a project
 * read or run things on the build server. Local repositories are for tests and trusted single-user setups.
 */
final class RepositoryUrlPolicy {

  private RepositoryUrlPolicy() {}

  /** The URL JGit should fetch from, or a {@link GitCheckout.CheckoutException} saying why it is refused. */
  static String check(String repoUrl, boolean allowLocalRepositories) {
    if (repoUrl == null || repoUrl.isBlank()) {
      throw new GitCheckout.CheckoutException("Repository URL is missing");
    }
    String url = repoUrl.strip();
    String lower = url.toLowerCase(Locale.ROOT);
    if (lower.startsWith("https://")) {
      return checkHttps(url);
    }
    if (lower.startsWith("file://") || url.startsWith("/")) {
      if (!allowLocalRepositories) {
        throw new GitCheckout.CheckoutException(
            "Repository URL must use https:// (local repositories are not allowed on this server)");
      }
      return checkLocal(url);
    }
    throw new GitCheckout.CheckoutException("Repository URL must use https://");
  }

  private static String checkHttps(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new GitCheckout.CheckoutException("Repository URL is not a valid URL: " + e.getReason());
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new GitCheckout.CheckoutException("Repository URL has no host name");
    }
    if (uri.getRawUserInfo() != null) {
      throw new GitCheckout.CheckoutException(
          "Repository URL must not contain credentials; give an access token instead");
    }
    return url;
  }

  private static String checkLocal(String url) {
    try {
      Path path = url.startsWith("/") ? Path.of(url) : Path.of(new URI(url));
      return path.toAbsolutePath().normalize().toUri().toString();
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new GitCheckout.CheckoutException("Repository URL is not a valid file URL: " + url);
    }
  }
}
