package dev.ferry.edge;

import java.util.Locale;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.Host;

/** The host name a request is addressed to, in the form {@link dev.ferry.routing.RouteLookup} expects. */
final class RequestHost {

  private RequestHost() {}

  /**
   * From the Host header, or for HTTP/2 (which carries it as {@code :authority}) from the request URI: without port,
   * lower-case, without a trailing dot; empty when absent or blank.
   */
  static Optional<String> of(HttpRequest request) {
    Optional<Host> header = request.getHeader(Host.class);
    String address = header.isPresent() ? header.get().host().address() : request.getUri().host().address();
    String name = normalize(address);
    return name.isEmpty() ? Optional.empty() : Optional.of(name);
  }

  static String normalize(String hostName) {
    String name = hostName.toLowerCase(Locale.ROOT);
    // "example.com." is the fully qualified spelling of "example.com"
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }
}
