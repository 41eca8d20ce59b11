package dev.ferry.output;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The parts of an HTTP request the routes engine looks at.
 *
 * <p>The engine never modifies the maps; callers must not modify them while a request is routed.
 *
 * @param method the request method, e.g. {@code GET} (compared case-insensitively)
 * @param path the decoded path, starting with {@code /}
 * @param query the query parameters in request order, decoded; repeated keys keep all values
 * @param headers request headers; keys are lower-cased by the constructor when needed, multiple
 *     values joined with {@code ", "} by the caller
 * @param cookies cookies by name ({@link #of} parses them from the {@code cookie} header)
 * @param host the host name the request was sent to, with or without port; defaults to the
 *     {@code host} header
 */
public record Request(
    String method,
    String path,
    Map<String, List<String>> query,
    Map<String, String> headers,
    Map<String, String> cookies,
    String host) {

  public Request {
    if (path == null || !path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with /: " + path);
    }
    method = method == null ? "GET" : method;
    query = query == null ? Map.of() : query;
    headers = headers == null ? Map.of() : lowerCaseKeys(headers);
    cookies = cookies == null ? Map.of() : cookies;
    if (host == null) {
      host = headers.get("host");
    }
  }

  /** A GET for {@code path} with nothing else. */
  public static Request get(String path) {
    return new Request("GET", path, Map.of(), Map.of(), Map.of(), null);
  }

  /** A request whose cookies are read from its {@code cookie} header. */
  public static Request of(String method, String path, Map<String, List<String>> query,
      Map<String, String> headers, String host) {
    Map<String, String> lower = headers == null ? Map.of() : lowerCaseKeys(headers);
    return new Request(method, path, query, lower, parseCookies(lower.get("cookie")), host);
  }

  /**
   * Parses a raw query string (without {@code ?}): pairs split at {@code &}, keys and values
   * percent-decoded ({@code +} is a space), repeated keys keep all values, in request order.
   */
  public static Map<String, List<String>> parseQuery(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return Map.of();
    }
    Map<String, List<String>> query = new LinkedHashMap<>();
    for (String[] pair : Urls.parseQuery(rawQuery)) {
      query.computeIfAbsent(pair[0], k -> new java.util.ArrayList<>()).add(pair[1]);
    }
    return query;
  }

  /** The host without port, lower-cased; null when unknown. */
  String hostName() {
    if (host == null) {
      return null;
    }
    String h = host;
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end > 0 ? h.substring(0, end + 1).toLowerCase(Locale.ROOT) : h.toLowerCase(Locale.ROOT);
    }
    int colon = h.lastIndexOf(':');
    if (colon >= 0) {
      h = h.substring(0, colon);
    }
    return h.toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a {@code Cookie} header: {@code name=value} pairs separated by {@code ;}, the first
   * of a repeated name wins, surrounding double quotes are removed and values percent-decoded
   * when that is valid UTF-8.
   */
  public static Map<String, String> parseCookies(String header) {
    if (header == null || header.isEmpty()) {
      return Map.of();
    }
    Map<String, String> cookies = new LinkedHashMap<>();
    for (String part : header.split(";")) {
      int eq = part.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String name = part.substring(0, eq).trim();
      if (name.isEmpty() || cookies.containsKey(name)) {
        continue;
      }
      String value = part.substring(eq + 1).trim();
      if (value.length() > 1 && value.startsWith("\"") && value.endsWith("\"")) {
        value = value.substring(1, value.length() - 1);
      }
      cookies.put(name, Urls.decode(value, false));
    }
    return Collections.unmodifiableMap(cookies);
  }

  private static Map<String, String> lowerCaseKeys(Map<String, String> headers) {
    boolean lower = true;
    for (String key : headers.keySet()) {
      if (!key.equals(key.toLowerCase(Locale.ROOT))) {
        lower = false;
        break;
      }
    }
    if (lower) {
      return headers;
    }
    Map<String, String> copy = new LinkedHashMap<>();
    headers.forEach((k, v) -> copy.merge(k.toLowerCase(Locale.ROOT), v, (a, b) -> a + ", " + b));
    return Collections.unmodifiableMap(copy);
  }
}
