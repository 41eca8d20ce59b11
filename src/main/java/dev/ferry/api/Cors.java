package dev.ferry.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Browsers may call the API only from the configured origins: preflights from them are answered, their responses
 * carry {@code Access-Control-Allow-Origin}; any other origin gets no CORS headers (and 403 on preflight).
 */
final class Cors extends AllDirectives {

  private static final String ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS";
  private static final String ALLOWED_HEADERS = "Authorization, Content-Type, X-CSRF-Token, X-Ferry-Digest";

  private final Set<String> origins;

  Cors(List<String> origins) {
    this.origins = Set.copyOf(origins);
  }

  Route handle(Supplier<Route> inner) {
    return extractRequest(request -> optionalHeaderValueByName("Origin", origin -> {
      Optional<String> allowed = origin.filter(origins::contains);
      boolean preflight = request.method().equals(HttpMethods.OPTIONS)
          && request.getHeader("Access-Control-Request-Method").isPresent();
      if (preflight) {
        return complete(allowed.isPresent()
            ? HttpResponse.create().withStatus(StatusCodes.NO_CONTENT).withHeaders(preflight(allowed.get()))
            : Problems.response(403, "Origin not allowed", List.of()));
      }
      return allowed.isPresent()
          ? respondWithHeaders(List.of(RawHeader.create("Access-Control-Allow-Origin", allowed.get()),
              RawHeader.create("Access-Control-Allow-Credentials", "true"), RawHeader.create("Vary", "Origin")),
              inner)
          : inner.get();
    }));
  }

  private static List<HttpHeader> preflight(String origin) {
    List<HttpHeader> headers = new ArrayList<>();
    headers.add(RawHeader.create("Access-Control-Allow-Origin", origin));
    headers.add(RawHeader.create("Access-Control-Allow-Credentials", "true"));
    headers.add(RawHeader.create("Access-Control-Allow-Methods", ALLOWED_METHODS));
    headers.add(RawHeader.create("Access-Control-Allow-Headers", ALLOWED_HEADERS));
    headers.add(RawHeader.create("Access-Control-Max-Age", "600"));
    headers.add(RawHeader.create("Vary", "Origin"));
    return headers;
  }
}
