package dev.ferry.output;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * What to answer a request with, as decided by {@link RoutesEngine#route}. Header names are lower
 * case; header maps are in the order the routes set them.
 */
public sealed interface Result {

  /** Response headers the routes set (never null). */
  Map<String, String> headers();

  /**
   * Serve {@code static/<path>} with {@code status} (200, or what a route set, e.g. 404 for an
   * error page).
   */
  record ServeFile(String path, int status, Map<String, String> headers) implements Result {}

  /**
   * Invoke function {@code name} ({@code functions/<name>.func}).
   *
   * @param path the routed path (after rewrites), starting with {@code /}
   * @param query the request's query merged with the parameters of the rewrites that led here
   * @param status the status a route imposes (e.g. an error page), empty when the function decides
   */
  record ServeFunction(String name, String path, Map<String, List<String>> query, Map<String, String> headers,
      OptionalInt status) implements Result {}

  /** Redirect to {@code location} (already percent-encoded, request query appended). */
  record Redirect(int status, String location, Map<String, String> headers) implements Result {}

  /** Proxy the request to an external {@code http(s)} URL (request query appended). */
  record Proxy(String url, Map<String, String> headers) implements Result {}

  /** Answer with {@code status} and no body of a file: a route with a status and no destination. */
  record Status(int status, Map<String, String> headers) implements Result {}

  /** Nothing matched, and the error phase did not resolve to a page: answer a plain 404. */
  record NotFound(Map<String, String> headers) implements Result {}
}
