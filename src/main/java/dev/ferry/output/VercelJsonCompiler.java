package dev.ferry.output;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.output.BuildOutputConfig.Condition;
import dev.ferry.output.BuildOutputConfig.ConditionType;
import dev.ferry.output.BuildOutputConfig.Handle;
import dev.ferry.output.BuildOutputConfig.Handler;
import dev.ferry.output.BuildOutputConfig.Route;
import dev.ferry.output.BuildOutputConfig.SourceRoute;
import dev.ferry.output.CompiledVercelJson.FunctionConfig;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles a {@code vercel.json} into Build Output routes, as Vercel's {@code routing-utils} do.
 *
 * <p>The routes come in this order: {@code cleanUrls} redirects, {@code trailingSlash} redirects,
 * {@code redirects}, {@code headers} (all in the main phase, so a redirect answers before any
 * header rule is looked at), then {@code handle: filesystem} and the {@code rewrites} with
 * {@code check} (so they apply only when no file matched), then, with {@code cleanUrls}, a
 * {@code handle: miss} route that serves {@code x.html} for {@code /x} whenever {@code /x} misses
 * (the path itself, or a rewrite's destination). Legacy {@code routes} are taken as they are and
 * cannot be combined with the keys above.
 *
 * <ul>
 *   <li>{@code source} is a path-to-regexp pattern ({@link PathToRegexp}); these routes are
 *       case-sensitive. {@code :name} in a destination, header key or value becomes the group's
 *       {@code $n}; a {@code has} value's named groups and the keys of {@code has} conditions without
 *       a value are available as {@code :name} too.
 *   <li>Redirects: {@code permanent} 308 or 307, else {@code statusCode}, else 308; the request's
 *       query is kept (by the engine).
 *   <li>Rewrites: when none of the parameters is used in the destination's path, host or fragment,
 *       all named parameters are added to its query (unless it sets them) — Vercel's rule.
 *   <li>{@code /.well-known/...} is never redirected by {@code cleanUrls} or {@code trailingSlash}
 *       (a negative look-ahead, so header rules still apply to it).
 * </ul>
 *
 * <p>Unknown top-level keys are ignored and reported in {@link CompiledVercelJson#warnings}; a
 * value of the wrong type, or a broken pattern, is an {@link InvalidConfigException} with the JSON
 * pointer of the field.
 */
public final class VercelJsonCompiler {

  public static final int MAX_RULES = 1024;
  public static final int MAX_SOURCE_LENGTH = 4096;
  public static final int MAX_DURATION = 900;
  public static final int MIN_MEMORY = 128;
  public static final int MAX_MEMORY = 10240;

  private static final String UNNAMED = "__UN_NAMED_SEGMENT__";
  private static final String NOT_WELL_KNOWN = "(?!\\.well-known(?:/|$))";
  private static final Pattern HAS_GROUP = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9_]*)>");

  /** Keys of Vercel's project configuration schema; other keys are reported as warnings. */
  private static final Set<String> KNOWN_KEYS = Set.of("$schema", "alias", "build", "buildCommand", "builds",
      "bunVersion", "bulkRedirectsPath", "cleanUrls", "crons", "devCommand", "env", "fluid", "framework",
      "functionFailoverRegions", "functions", "git", "github", "headers", "ignoreCommand", "images",
      "installCommand", "name", "outputDirectory", "passiveRegions", "public", "redirects", "regions",
      "relatedProjects", "rewrites", "routes", "scope", "trailingSlash", "version");
  private static final Set<String> FUNCTION_KEYS = Set.of("maxDuration", "memory", "runtime", "includeFiles",
      "excludeFiles", "regions", "supportsCancellation", "architecture", "experimentalTriggers");

  private VercelJsonCompiler() {}

  /**
   * @throws InvalidConfigException with the JSON pointer of the first invalid field
   */
  public static CompiledVercelJson compile(byte[] vercelJson) {
    JsonNode root = BuildOutputConfig.readTree(vercelJson);
    if (!root.isObject()) {
      throw new InvalidConfigException("", "must be a JSON object");
    }
    List<String> warnings = new ArrayList<>();
    Iterator<String> keys = root.fieldNames();
    while (keys.hasNext()) {
      String key = keys.next();
      if (!KNOWN_KEYS.contains(key)) {
        warnings.add("unknown key \"" + key + "\" in vercel.json is ignored");
      }
    }
    Boolean cleanUrls = optionalBoolean(root, "cleanUrls");
    Boolean trailingSlash = optionalBoolean(root, "trailingSlash");
    JsonNode redirects = array(root, "redirects");
    JsonNode headers = array(root, "headers");
    JsonNode rewrites = array(root, "rewrites");
    JsonNode legacy = present(root.get("routes"));

    List<Route> routes = new ArrayList<>();
    if (legacy != null) {
      if (cleanUrls != null || trailingSlash != null || redirects != null || headers != null || rewrites != null) {
        throw new InvalidConfigException("/routes", "cannot be used together with rewrites, redirects, headers, "
            + "cleanUrls or trailingSlash");
      }
      routes.addAll(BuildOutputConfig.readRoutes(legacy, "/routes"));
    }
    if (Boolean.TRUE.equals(cleanUrls)) {
      routes.addAll(cleanUrlRedirects(Boolean.TRUE.equals(trailingSlash)));
    }
    if (trailingSlash != null) {
      routes.addAll(trailingSlashRedirects(trailingSlash));
    }
    if (redirects != null) {
      for (int i = 0; i < redirects.size(); i++) {
        routes.add(redirect(redirects.get(i), "/redirects/" + i));
      }
    }
    if (headers != null) {
      for (int i = 0; i < headers.size(); i++) {
        routes.add(headerRule(headers.get(i), "/headers/" + i));
      }
    }
    if (rewrites != null) {
      routes.add(new Handler(Handle.FILESYSTEM));
      for (int i = 0; i < rewrites.size(); i++) {
        routes.add(rewrite(rewrites.get(i), "/rewrites/" + i));
      }
    }
    if (Boolean.TRUE.equals(cleanUrls)) {
      routes.add(new Handler(Handle.MISS));
      routes.add(SourceRoute.builder("^/(.+?)/?$").dest("/$1.html").check(true).build());
    }
    JsonNode images = present(root.get("images"));
    if (images != null && !images.isObject()) {
      throw new InvalidConfigException("/images", "must be an object");
    }
    BuildOutputConfig config = new BuildOutputConfig(BuildOutputConfig.VERSION, routes, images, null, null, null);
    Map<String, FunctionConfig> functions = functions(present(root.get("functions")), warnings);
    return new CompiledVercelJson(config, functions, warnings);
  }

  // --- cleanUrls and trailingSlash ---------------------------------------------------------------

  private static List<Route> cleanUrlRedirects(boolean trailingSlash) {
    String index = trailingSlash
        ? "^/" + NOT_WELL_KNOWN + "(?:(.+/))?index(?:\\.html)?/?$"
        : "^/" + NOT_WELL_KNOWN + "(?:(.+)/)?index(?:\\.html)?/?$";
    return List.of(
        SourceRoute.builder(index).header("Location", "/$1").status(308).build(),
        SourceRoute.builder("^/" + NOT_WELL_KNOWN + "(.+)\\.html/?$")
            .header("Location", trailingSlash ? "/$1/" : "/$1").status(308).build());
  }

  private static List<Route> trailingSlashRedirects(boolean trailingSlash) {
    if (trailingSlash) {
      return List.of(
          SourceRoute.builder("^/" + NOT_WELL_KNOWN + "((?:[^/]+/)*[^/\\.]+)$")
              .header("Location", "/$1/").status(308).build(),
          SourceRoute.builder("^/" + NOT_WELL_KNOWN + "((?:[^/]+/)*[^/]+\\.\\w+)/$")
              .header("Location", "/$1").status(308).build());
    }
    return List.of(SourceRoute.builder("^/" + NOT_WELL_KNOWN + "(.*)/$").header("Location", "/$1").status(308).build());
  }

  // --- redirects, rewrites, headers --------------------------------------------------------------

  private static Route redirect(JsonNode node, String at) {
    object(node, at, Set.of("source", "destination", "permanent", "statusCode", "has", "missing"));
    Source source = source(node, at);
    String destination = requiredString(node, at, "destination");
    List<Condition> has = conditions(node, at, "has");
    List<Condition> missing = conditions(node, at, "missing");
    JsonNode permanent = present(node.get("permanent"));
    JsonNode statusCode = present(node.get("statusCode"));
    if (permanent != null && statusCode != null) {
      throw new InvalidConfigException(at + "/statusCode", "cannot be used together with `permanent`");
    }
    int status = 308;
    if (permanent != null) {
      if (!permanent.isBoolean()) {
        throw new InvalidConfigException(at + "/permanent", "must be true or false");
      }
      status = permanent.asBoolean() ? 308 : 307;
    } else if (statusCode != null) {
      if (!statusCode.isIntegralNumber() || !Set.of(301, 302, 303, 307, 308).contains(statusCode.asInt())) {
        throw new InvalidConfigException(at + "/statusCode", "must be one of 301, 302, 303, 307, 308");
      }
      status = statusCode.asInt();
    }
    List<String> hasSegments = hasSegments(has);
    checkDestination(source, hasSegments, destination, at + "/destination");
    String location = replaceSegments(source.keys, hasSegments, destination, true);
    return SourceRoute.builder(source.regex).header("Location", location).status(status).caseSensitive(true)
        .has(has).missing(missing).build();
  }

  private static Route rewrite(JsonNode node, String at) {
    object(node, at, Set.of("source", "destination", "has", "missing", "statusCode"));
    Source source = source(node, at);
    String destination = requiredString(node, at, "destination");
    List<Condition> has = conditions(node, at, "has");
    List<Condition> missing = conditions(node, at, "missing");
    List<String> hasSegments = hasSegments(has);
    checkDestination(source, hasSegments, destination, at + "/destination");
    String dest = replaceSegments(source.keys, hasSegments, destination, false);
    BuildOutputConfig.Builder b = SourceRoute.builder(source.regex).dest(dest).check(true).caseSensitive(true)
        .has(has).missing(missing);
    JsonNode statusCode = present(node.get("statusCode"));
    if (statusCode != null) {
      if (!statusCode.isIntegralNumber() || statusCode.asInt() < 100 || statusCode.asInt() > 999) {
        throw new InvalidConfigException(at + "/statusCode", "must be an integer between 100 and 999");
      }
      b.status(statusCode.asInt());
    }
    return b.build();
  }

  private static Route headerRule(JsonNode node, String at) {
    object(node, at, Set.of("source", "headers", "has", "missing"));
    Source source = source(node, at);
    List<Condition> has = conditions(node, at, "has");
    List<Condition> missing = conditions(node, at, "missing");
    JsonNode list = present(node.get("headers"));
    if (list == null || !list.isArray()) {
      throw new InvalidConfigException(at + "/headers", "must be an array of {key, value}");
    }
    if (list.size() > MAX_RULES) {
      throw new InvalidConfigException(at + "/headers", "has more than " + MAX_RULES + " headers");
    }
    List<String> hasSegments = hasSegments(has);
    boolean substitute = source.keys.stream().anyMatch(k -> k != null) || !hasSegments.isEmpty();
    Map<String, String> indexes = indexes(source.keys, hasSegments);
    BuildOutputConfig.Builder b = SourceRoute.builder(source.regex).continueRouting(true).caseSensitive(true)
        .has(has).missing(missing);
    Map<String, String> values = new LinkedHashMap<>();
    for (int j = 0; j < list.size(); j++) {
      String where = at + "/headers/" + j;
      JsonNode h = list.get(j);
      object(h, where, Set.of("key", "value"));
      String key = requiredString(h, where, "key");
      String value = requiredString(h, where, "value");
      if (substitute) {
        key = key.indexOf(':') >= 0 ? substitute(key, indexes, false) : key;
        value = value.indexOf(':') >= 0 ? substitute(value, indexes, false) : value;
      }
      if (!BuildOutputConfig.isToken(key) || key.length() > 256) {
        throw new InvalidConfigException(where + "/key", "is not a valid header name");
      }
      if (value.length() > BuildOutputConfig.MAX_HEADER_VALUE_LENGTH) {
        throw new InvalidConfigException(where + "/value", "is longer than "
            + BuildOutputConfig.MAX_HEADER_VALUE_LENGTH + " characters");
      }
      if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
        throw new InvalidConfigException(where + "/value", "must not contain CR, LF or NUL");
      }
      // one route holds each name once: the later value for a name wins, as it would when applied
      String name = key;
      values.keySet().removeIf(existing -> existing.equalsIgnoreCase(name));
      values.put(name, value);
    }
    if (values.size() > BuildOutputConfig.MAX_HEADERS) {
      throw new InvalidConfigException(at + "/headers", "sets more than " + BuildOutputConfig.MAX_HEADERS
          + " different headers");
    }
    return b.headers(values).build();
  }

  // --- sources and destinations ------------------------------------------------------------------

  private record Source(String regex, List<String> keys) {}

  private static Source source(JsonNode node, String at) {
    String source = requiredString(node, at, "source");
    if (source.length() > MAX_SOURCE_LENGTH) {
      throw new InvalidConfigException(at + "/source", "is " + source.length() + " characters long; at most "
          + MAX_SOURCE_LENGTH + " are allowed");
    }
    PathToRegexp.Compiled compiled;
    try {
      compiled = PathToRegexp.compile(source);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(at + "/source", "invalid source pattern \"" + source + "\": " + e.getMessage());
    }
    try {
      RouteRegex.compile(compiled.regex(), true);
    } catch (PatternSyntaxException e) {
      throw new InvalidConfigException(at + "/source", "invalid source pattern \"" + source + "\": "
          + e.getDescription());
    }
    return new Source(compiled.regex(), compiled.keys());
  }

  /** Vercel's {@code collectHasSegments}: keys without a value, named groups of values, and {@code host}. */
  private static List<String> hasSegments(List<Condition> has) {
    Set<String> names = new LinkedHashSet<>();
    for (Condition c : has) {
      if (c.value() == null && c.key() != null) {
        names.add(c.key());
      }
      if (c.value() != null) {
        String pattern = c.value().pattern();
        if (pattern != null) {
          Matcher m = HAS_GROUP.matcher(pattern);
          while (m.find()) {
            names.add(m.group(1));
          }
        }
        if (c.type() == ConditionType.HOST) {
          names.add("host");
        }
      }
    }
    return new ArrayList<>(names);
  }

  private static Map<String, String> indexes(List<String> keys, List<String> hasSegments) {
    Map<String, String> indexes = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      indexes.put(keys.get(i) == null ? UNNAMED : keys.get(i), "$" + (i + 1));
    }
    for (String name : hasSegments) {
      indexes.put(name, "$" + name); // has matches override source matches
    }
    return indexes;
  }

  /** Vercel's check that every {@code :name} of a destination comes from the source or a has condition. */
  private static void checkDestination(Source source, List<String> hasSegments, String destination, String at) {
    if (destination.length() > MAX_SOURCE_LENGTH) {
      throw new InvalidConfigException(at, "is longer than " + MAX_SOURCE_LENGTH + " characters");
    }
    Url url = Url.parse(destination);
    List<String> used = new ArrayList<>(PathToRegexp.names(url.hostname));
    used.addAll(PathToRegexp.names(url.path));
    for (String[] pair : url.query) {
      used.addAll(PathToRegexp.names(pair[1] == null ? "" : pair[1]));
    }
    for (String name : used) {
      if (!source.keys.contains(name) && !hasSegments.contains(name)) {
        throw new InvalidConfigException(at, "uses the segment \":" + name + "\" that is neither in `source` nor in `has`");
      }
    }
  }

  /** Vercel's {@code replaceSegments}: {@code :name} to {@code $n}, and query parameters for rewrites. */
  private static String replaceSegments(List<String> keys, List<String> hasSegments, String destination,
      boolean redirect) {
    boolean named = keys.stream().anyMatch(k -> k != null);
    if (!(destination.indexOf(':') >= 0 && named || !hasSegments.isEmpty() || !redirect)) {
      return destination;
    }
    Map<String, String> indexes = indexes(keys, hasSegments);
    Url url = Url.parse(destination);
    Set<String> destParams = new LinkedHashSet<>();
    destParams.addAll(PathToRegexp.names(url.path));
    destParams.addAll(PathToRegexp.names(url.hash));
    destParams.addAll(PathToRegexp.names(url.hostname));

    url.path = substitute(url.path, indexes, true);
    url.hash = substitute(url.hash, indexes, true);
    url.hostname = substitute(url.hostname, indexes, true);
    for (String[] pair : url.query) {
      if (pair[1] != null) {
        pair[1] = substitute(pair[1], indexes, true);
      }
    }
    boolean usesParam = indexes.keySet().stream().anyMatch(destParams::contains);
    if (!redirect && !usesParam) {
      for (Map.Entry<String, String> e : indexes.entrySet()) {
        if (!e.getKey().equals(UNNAMED) && url.query.stream().noneMatch(p -> p[0].equals(e.getKey()))) {
          url.query.add(new String[] {e.getKey(), e.getValue()});
        }
      }
    }
    return url.format();
  }

  /**
   * Replaces {@code :name} (with an optional {@code * + ?} modifier) by its {@code $} reference for
   * the names in {@code indexes}; other text is kept ({@code unescape}: a backslash escapes the next
   * character, as in path-to-regexp's compile).
   */
  static String substitute(String value, Map<String, String> indexes, boolean unescape) {
    if (value.isEmpty() || value.indexOf(':') < 0 && !(unescape && value.indexOf('\\') >= 0)) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length() + 8);
    int i = 0;
    while (i < value.length()) {
      char c = value.charAt(i);
      if (c == '\\' && unescape && i + 1 < value.length()) {
        out.append(value.charAt(i + 1));
        i += 2;
        continue;
      }
      if (c == ':') {
        int j = i + 1;
        while (j < value.length() && PathToRegexp.isNameChar(value.charAt(j))) {
          j++;
        }
        String ref = j > i + 1 ? indexes.get(value.substring(i + 1, j)) : null;
        if (ref != null) {
          out.append(ref);
          if (j < value.length() && "*+?".indexOf(value.charAt(j)) >= 0) {
            j++;
          }
          i = j;
          continue;
        }
      }
      out.append(c);
      i++;
    }
    return out.toString();
  }

  /** A destination split the way Node's {@code url.parse} does, enough to rebuild it. */
  private static final class Url {
    String prefix = ""; // scheme://userinfo@
    String hostname = "";
    String port = "";
    String path = "";
    final List<String[]> query = new ArrayList<>();
    String hash = "";

    static Url parse(String s) {
      Url u = new Url();
      String rest = s;
      int scheme = s.indexOf("://");
      if (scheme > 0 && s.substring(0, scheme).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
        int start = scheme + 3;
        int end = start;
        while (end < s.length() && "/?#".indexOf(s.charAt(end)) < 0) {
          end++;
        }
        String authority = s.substring(start, end);
        int at = authority.lastIndexOf('@');
        u.prefix = s.substring(0, start) + (at >= 0 ? authority.substring(0, at + 1) : "");
        String hostPort = at >= 0 ? authority.substring(at + 1) : authority;
        int colon = hostPort.lastIndexOf(':');
        if (colon >= 0 && colon < hostPort.length() - 1 && hostPort.substring(colon + 1).chars().allMatch(Character::isDigit)) {
          u.hostname = hostPort.substring(0, colon);
          u.port = hostPort.substring(colon);
        } else {
          u.hostname = hostPort;
        }
        rest = s.substring(end);
      }
      int hash = rest.indexOf('#');
      if (hash >= 0) {
        u.hash = rest.substring(hash);
        rest = rest.substring(0, hash);
      }
      int q = rest.indexOf('?');
      if (q >= 0) {
        for (String part : rest.substring(q + 1).split("&")) {
          if (part.isEmpty()) {
            continue;
          }
          int eq = part.indexOf('=');
          u.query.add(eq < 0 ? new String[] {part, null} : new String[] {part.substring(0, eq), part.substring(eq + 1)});
        }
        rest = rest.substring(0, q);
      }
      u.path = rest;
      return u;
    }

    String format() {
      StringBuilder out = new StringBuilder(prefix).append(hostname).append(port).append(path);
      for (int i = 0; i < query.size(); i++) {
        String[] pair = query.get(i);
        out.append(i == 0 ? '?' : '&').append(pair[0]);
        if (pair[1] != null) {
          out.append('=').append(pair[1]);
        }
      }
      return out.append(hash).toString();
    }
  }

  // --- functions ---------------------------------------------------------------------------------

  private static Map<String, FunctionConfig> functions(JsonNode node, List<String> warnings) {
    Map<String, FunctionConfig> functions = new LinkedHashMap<>();
    if (node == null) {
      return functions;
    }
    if (!node.isObject()) {
      throw new InvalidConfigException("/functions", "must be an object of glob patterns");
    }
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      String pattern = e.getKey();
      String at = "/functions/" + InvalidConfigException.token(pattern);
      if (pattern.isEmpty() || pattern.length() > 256) {
        throw new InvalidConfigException(at, "the pattern must be 1 to 256 characters long");
      }
      JsonNode f = e.getValue();
      if (!f.isObject()) {
        throw new InvalidConfigException(at, "must be an object");
      }
      f.fieldNames().forEachRemaining(name -> {
        if (!FUNCTION_KEYS.contains(name)) {
          warnings.add("unknown key \"" + name + "\" in functions \"" + pattern + "\" is ignored");
        }
      });
      Integer maxDuration = boundedInt(f, at, "maxDuration", 1, MAX_DURATION);
      Integer memory = boundedInt(f, at, "memory", MIN_MEMORY, MAX_MEMORY);
      functions.put(pattern, new FunctionConfig(maxDuration, memory));
    }
    return functions;
  }

  private static Integer boundedInt(JsonNode node, String at, String name, int min, int max) {
    JsonNode v = present(node.get(name));
    if (v == null) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
      throw new InvalidConfigException(at + "/" + name, "must be an integer from " + min + " to " + max);
    }
    return v.asInt();
  }

  // --- JSON helpers ------------------------------------------------------------------------------

  private static JsonNode present(JsonNode node) {
    return node == null || node.isNull() ? null : node;
  }

  private static Boolean optionalBoolean(JsonNode root, String name) {
    JsonNode v = present(root.get(name));
    if (v == null) {
      return null;
    }
    if (!v.isBoolean()) {
      throw new InvalidConfigException("/" + name, "must be true or false");
    }
    return v.asBoolean();
  }

  private static JsonNode array(JsonNode root, String name) {
    JsonNode v = present(root.get(name));
    if (v == null) {
      return null;
    }
    if (!v.isArray()) {
      throw new InvalidConfigException("/" + name, "must be an array");
    }
    if (v.size() > MAX_RULES) {
      throw new InvalidConfigException("/" + name, "has " + v.size() + " entries; at most " + MAX_RULES + " are allowed");
    }
    return v;
  }

  private static void object(JsonNode node, String at, Set<String> allowed) {
    if (node == null || !node.isObject()) {
      throw new InvalidConfigException(at, "must be an object");
    }
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw new InvalidConfigException(at + "/" + InvalidConfigException.token(name), "unknown property");
      }
    }
  }

  private static String requiredString(JsonNode node, String at, String name) {
    JsonNode v = present(node.get(name));
    if (v == null) {
      throw new InvalidConfigException(at + "/" + name, "is required");
    }
    if (!v.isTextual()) {
      throw new InvalidConfigException(at + "/" + name, "must be a string");
    }
    return v.asText();
  }

  private static List<Condition> conditions(JsonNode node, String at, String name) {
    List<Condition> conditions = BuildOutputConfig.readConditions(node.get(name), at + "/" + name);
    for (int i = 0; i < conditions.size(); i++) {
      Condition c = conditions.get(i);
      String pattern = c.value() == null ? null : c.value().pattern();
      if (pattern != null) {
        try {
          RouteRegex.compile(pattern, true);
        } catch (PatternSyntaxException e) {
          throw new InvalidConfigException(at + "/" + name + "/" + i + "/value", "invalid regular expression \""
              + pattern + "\": " + e.getDescription());
        }
      }
    }
    return conditions;
  }
}
