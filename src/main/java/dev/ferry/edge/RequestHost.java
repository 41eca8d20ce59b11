package dev.ferry.edge;

import java.util.Locale;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.Host;

/** The host name a request is addressed to, in the form {@link dev.ferry.routing.RouteLookup} expects. */
final class RequestHost {

  private RequestHost() {}

  /** From the Host header: without port, lower-case, without a trailing dot; empty when absent or blank. */
  static Optional<String> of(HttpRequest request) {
    return request.getHeader(Host.class)
        .map(host -> normalize(host.host().address()))
        .filter(name -> !name.isEmpty());
  }

  static String normalize(String hostName) {
    String name = hostName.toLowerCase(Locale.ROOT);
    // "example.com." is the fully qualified spelling of "example.com"
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }
}
