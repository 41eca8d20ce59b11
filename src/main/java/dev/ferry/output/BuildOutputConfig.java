package dev.ferry.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.PatternSyntaxException;

/**
 * The Build Output API v3 {@code config.json}: version 3 and its {@code routes}; {@code images},
 * {@code overrides}, {@code cache} and {@code wildcard} are kept as read (leniently).
 *
 * <p>Every instance is valid: the constructor checks the limits (at most {@value #MAX_ROUTES}
 * routes, {@code src} and {@code dest} up to {@value #MAX_PATTERN_LENGTH} characters), that every
 * regular expression compiles, and Vercel's rules for phases (one {@code handle} of each kind;
 * routes after {@code hit} only add headers and continue; routes after {@code miss} either rewrite
 * with {@code check} or continue).
 */
public record BuildOutputConfig(
    int version,
    List<Route> routes,
    JsonNode images,
    Map<String, FileOverride> overrides,
    List<String> cache,
    JsonNode wildcard) {

  public static final int VERSION = 3;
  public static final int MAX_ROUTES = 2048;
  public static final int MAX_PATTERN_LENGTH = 4096;
  public static final int MAX_HEADERS = 100;
  public static final int MAX_HEADER_VALUE_LENGTH = 4096;
  public static final int MAX_METHODS = 10;
  public static final int MAX_CONDITIONS = 16;

  static final ObjectMapper MAPPER = new ObjectMapper();

  public BuildOutputConfig {
    if (version != VERSION) {
      throw new InvalidConfigException("/version", "must be " + VERSION + " (was " + version + ")");
    }
    routes = routes == null ? List.of() : List.copyOf(routes);
    overrides = overrides == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(overrides));
    cache = cache == null ? List.of() : List.copyOf(cache);
    validate(routes);
  }

  /** A configuration with these routes and nothing else. */
  public static BuildOutputConfig of(List<Route> routes) {
    return new BuildOutputConfig(VERSION, routes, null, null, null, null);
  }

  // --- the model ---------------------------------------------------------------------------------

  /** A route: a {@link SourceRoute} or a {@link Handler} that starts a phase. */
  public sealed interface Route permits SourceRoute, Handler {}

  /** The phases a {@code handle} route starts. Routes before the first handle are the main phase. */
  public enum Handle {
    FILESYSTEM, HIT, MISS, REWRITE, RESOURCE, ERROR;

    public String json() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Handle fromJson(String value) {
      for (Handle h : values()) {
        if (h.json().equals(value)) {
          return h;
        }
      }
      return null;
    }
  }

  /** {@code {"handle": "filesystem"}} and the like. */
  public record Handler(Handle handle) implements Route {
    public Handler {
      if (handle == null) {
        throw new IllegalArgumentException("handle");
      }
    }
  }

  /**
   * A route with a {@code src} regular expression. {@code status} 0 means none. Header names are
   * kept as written; matching them to responses is case-insensitive. {@code locale} and
   * {@code middlewarePath} are not supported and are dropped when read.
   */
  public record SourceRoute(
      String src,
      String dest,
      Map<String, String> headers,
      List<String> methods,
      boolean continueRouting,
      boolean caseSensitive,
      boolean check,
      int status,
      List<Condition> has,
      List<Condition> missing,
      boolean important) implements Route {

    public SourceRoute {
      if (src == null) {
        throw new IllegalArgumentException("src");
      }
      headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
      methods = methods == null ? List.of() : List.copyOf(methods);
      has = has == null ? List.of() : List.copyOf(has);
      missing = missing == null ? List.of() : List.copyOf(missing);
    }

    public static Builder builder(String src) {
      return new Builder(src);
    }

    /** A redirect: a 3xx status with a {@code Location} header. */
    public boolean isRedirect() {
      return status >= 300 && status < 400 && location() != null;
    }

    /** The {@code Location} header (any case), or null. */
    public String location() {
      for (Map.Entry<String, String> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase("location")) {
          return e.getValue();
        }
      }
      return null;
    }
  }

  /** Builds a {@link SourceRoute}. */
  public static final class Builder {
    private final String src;
    private String dest;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private List<String> methods = List.of();
    private boolean continueRouting;
    private boolean caseSensitive;
    private boolean check;
    private int status;
    private List<Condition> has = List.of();
    private List<Condition> missing = List.of();
    private boolean important;

    private Builder(String src) {
      this.src = src;
    }

    public Builder dest(String value) {
      this.dest = value;
      return this;
    }

    public Builder header(String name, String value) {
      headers.put(name, value);
      return this;
    }

    public Builder headers(Map<String, String> values) {
      headers.putAll(values);
      return this;
    }

    public Builder methods(List<String> values) {
      this.methods = values;
      return this;
    }

    public Builder continueRouting(boolean value) {
      this.continueRouting = value;
      return this;
    }

    public Builder caseSensitive(boolean value) {
      this.caseSensitive = value;
      return this;
    }

    public Builder check(boolean value) {
      this.check = value;
      return this;
    }

    public Builder status(int value) {
      this.status = value;
      return this;
    }

    public Builder has(List<Condition> values) {
      this.has = values;
      return this;
    }

    public Builder missing(List<Condition> values) {
      this.missing = values;
      return this;
    }

    public Builder important(boolean value) {
      this.important = value;
      return this;
    }

    public SourceRoute build() {
      return new SourceRoute(src, dest, headers, methods, continueRouting, caseSensitive, check, status,
          has, missing, important);
    }
  }

  /** What a {@code has}/{@code missing} condition looks at. */
  public enum ConditionType {
    HEADER, COOKIE, QUERY, HOST;

    public String json() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A {@code has} or {@code missing} condition: {@code key} is required except for {@code host};
   * {@code value} null means "present" (and, in {@code has}, makes the value available as
   * {@code $key}).
   */
  public record Condition(ConditionType type, String key, ConditionValue value) {
    public Condition {
      if (type == null) {
        throw new IllegalArgumentException("type");
      }
    }
  }

  /**
   * The value a condition must have: a regular expression that must match the whole value
   * ({@link #regex}), or Vercel's object form with any of {@code eq}, {@code neq}, {@code inc} (one
   * of), {@code ninc} (none of), {@code pre}, {@code suf}, {@code re} (whole-value regex), and the
   * numeric {@code gt}, {@code gte}, {@code lt}, {@code lte}. Named groups of the regex are
   * available to {@code dest} and headers as {@code $name}.
   */
  public record ConditionValue(
      String regex,
      String eq,
      String neq,
      List<String> inc,
      List<String> ninc,
      String pre,
      String suf,
      String re,
      Double gt,
      Double gte,
      Double lt,
      Double lte) {

    public ConditionValue {
      inc = inc == null ? null : List.copyOf(inc);
      ninc = ninc == null ? null : List.copyOf(ninc);
    }

    public static ConditionValue regex(String regex) {
      return new ConditionValue(regex, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** True for the plain-string form. */
    public boolean isRegex() {
      return regex != null;
    }

    /** The regular expression to match with, plain or {@code re}; null if none. */
    String pattern() {
      return regex != null ? regex : re;
    }
  }

  /** An entry of {@code overrides}: the static file is served at {@code path} with {@code contentType}. */
  public record FileOverride(String path, String contentType) {}

  // --- validation --------------------------------------------------------------------------------

  private static void validate(List<Route> routes) {
    if (routes.size() > MAX_ROUTES) {
      throw new InvalidConfigException("/routes", "has " + routes.size() + " routes; at most " + MAX_ROUTES + " are allowed");
    }
    Set<Handle> seen = EnumSet.noneOf(Handle.class);
    Handle phase = null;
    for (int i = 0; i < routes.size(); i++) {
      String at = "/routes/" + i;
      Route route = routes.get(i);
      if (route == null) {
        throw new InvalidConfigException(at, "must not be null");
      }
      if (route instanceof Handler h) {
        if (!seen.add(h.handle())) {
          throw new InvalidConfigException(at + "/handle", "duplicate `handle: " + h.handle().json()
              + "`; each phase can be started once");
        }
        phase = h.handle();
        continue;
      }
      SourceRoute r = (SourceRoute) route;
      validateSource(r, at, phase);
    }
  }

  private static void validateSource(SourceRoute r, String at, Handle phase) {
    if (r.src().length() > MAX_PATTERN_LENGTH) {
      throw new InvalidConfigException(at + "/src", "is " + r.src().length() + " characters long; at most "
          + MAX_PATTERN_LENGTH + " are allowed");
    }
    try {
      RouteRegex.compile(normalizeSrc(r.src()), r.caseSensitive());
    } catch (PatternSyntaxException e) {
      throw new InvalidConfigException(at + "/src", "invalid regular expression \"" + r.src() + "\": "
          + e.getDescription() + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
    }
    if (r.dest() != null && r.dest().length() > MAX_PATTERN_LENGTH) {
      throw new InvalidConfigException(at + "/dest", "is " + r.dest().length() + " characters long; at most "
          + MAX_PATTERN_LENGTH + " are allowed");
    }
    if (r.headers().size() > MAX_HEADERS) {
      throw new InvalidConfigException(at + "/headers", "has " + r.headers().size() + " headers; at most "
          + MAX_HEADERS + " are allowed");
    }
    for (Map.Entry<String, String> e : r.headers().entrySet()) {
      String name = e.getKey();
      String where = at + "/headers/" + InvalidConfigException.token(name == null ? "" : name);
      if (name == null || !isToken(name) || name.length() > 256) {
        throw new InvalidConfigException(where, "is not a valid header name");
      }
      String value = e.getValue();
      if (value == null) {
        throw new InvalidConfigException(where, "must be a string");
      }
      if (value.length() > MAX_HEADER_VALUE_LENGTH) {
        throw new InvalidConfigException(where, "is longer than " + MAX_HEADER_VALUE_LENGTH + " characters");
      }
      if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
        throw new InvalidConfigException(where, "must not contain CR, LF or NUL");
      }
    }
    if (r.methods().size() > MAX_METHODS) {
      throw new InvalidConfigException(at + "/methods", "has more than " + MAX_METHODS + " methods");
    }
    for (int m = 0; m < r.methods().size(); m++) {
      String method = r.methods().get(m);
      if (method == null || method.isEmpty() || method.length() > 32 || !isToken(method)) {
        throw new InvalidConfigException(at + "/methods/" + m, "is not an HTTP method");
      }
    }
    if (r.status() != 0 && (r.status() < 100 || r.status() > 999)) {
      throw new InvalidConfigException(at + "/status", "must be between 100 and 999");
    }
    validateConditions(r.has(), at + "/has");
    validateConditions(r.missing(), at + "/missing");
    if (phase == Handle.HIT) {
      if (r.dest() != null) {
        throw new InvalidConfigException(at + "/dest", "is not allowed after `handle: hit`");
      }
      if (r.status() != 0) {
        throw new InvalidConfigException(at + "/status", "is not allowed after `handle: hit`");
      }
      if (!r.continueRouting()) {
        throw new InvalidConfigException(at + "/continue", "must be true after `handle: hit`");
      }
    } else if (phase == Handle.MISS) {
      if (r.dest() != null && !r.check()) {
        throw new InvalidConfigException(at + "/check", "must be true for a route with `dest` after `handle: miss`");
      }
      if (r.dest() == null && !r.continueRouting()) {
        throw new InvalidConfigException(at + "/continue", "must be true for a route without `dest` after `handle: miss`");
      }
    }
  }

  private static void validateConditions(List<Condition> conditions, String at) {
    if (conditions.size() > MAX_CONDITIONS) {
      throw new InvalidConfigException(at, "has more than " + MAX_CONDITIONS + " conditions");
    }
    for (int i = 0; i < conditions.size(); i++) {
      Condition c = conditions.get(i);
      String where = at + "/" + i;
      if (c == null) {
        throw new InvalidConfigException(where, "must not be null");
      }
      if (c.type() == ConditionType.HOST) {
        if (c.value() == null) {
          throw new InvalidConfigException(where + "/value", "is required for a host condition");
        }
      } else if (c.key() == null || c.key().isEmpty()) {
        throw new InvalidConfigException(where + "/key", "is required for a " + c.type().json() + " condition");
      }
      if (c.value() != null && c.value().pattern() != null) {
        try {
          RouteRegex.compile(c.value().pattern(), true);
        } catch (PatternSyntaxException e) {
          throw new InvalidConfigException(where + "/value", "invalid regular expression \""
              + c.value().pattern() + "\": " + e.getDescription());
        }
      }
    }
  }

  /** Vercel's normalisation: {@code src} always starts with {@code ^} and ends with {@code $}. */
  static String normalizeSrc(String src) {
    String s = src.startsWith("^") ? src : "^" + src;
    return s.endsWith("$") && !s.endsWith("\\$") ? s : s + "$";
  }

  static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
        return false;
      }
    }
    return true;
  }

  // --- reading -----------------------------------------------------------------------------------

  /**
   * Reads a {@code config.json}.
   *
   * @throws InvalidConfigException naming the route index and field of the first problem
   */
  public static BuildOutputConfig parse(byte[] json) {
    JsonNode root = readTree(json);
    if (!root.isObject()) {
      throw new InvalidConfigException("", "must be a JSON object");
    }
    JsonNode version = root.get("version");
    if (version == null || version.isNull()) {
      throw new InvalidConfigException("/version", "is required (3)");
    }
    if (!version.isIntegralNumber()) {
      throw new InvalidConfigException("/version", "must be the number 3");
    }
    if (version.asInt() != VERSION) {
      throw new InvalidConfigException("/version", "must be " + VERSION + " (was " + version.asText() + ")");
    }
    List<Route> routes = readRoutes(root.get("routes"), "/routes");
    return new BuildOutputConfig(VERSION, routes, nonNull(root.get("images")), readOverrides(root.get("overrides")),
        readCache(root.get("cache")), nonNull(root.get("wildcard")));
  }

  static JsonNode readTree(byte[] json) {
    if (json == null) {
      throw new InvalidConfigException("", "is missing");
    }
    try {
      JsonNode node = MAPPER.readTree(json);
      if (node == null || node.isMissingNode()) {
        throw new InvalidConfigException("", "is empty");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new InvalidConfigException("", "is not valid JSON: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr() + ")"));
    } catch (IOException e) {
      throw new InvalidConfigException("", "cannot be read: " + e.getMessage());
    }
  }

  private static JsonNode nonNull(JsonNode node) {
    return node == null || node.isNull() ? null : node;
  }

  /** Reads a routes array (also used for the legacy {@code routes} of {@code vercel.json}). */
  static List<Route> readRoutes(JsonNode node, String at) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new InvalidConfigException(at, "must be an array");
    }
    if (node.size() > MAX_ROUTES) {
      throw new InvalidConfigException(at, "has " + node.size() + " routes; at most " + MAX_ROUTES + " are allowed");
    }
    List<Route> routes = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      routes.add(readRoute(node.get(i), at + "/" + i));
    }
    return routes;
  }

  private static Route readRoute(JsonNode node, String at) {
    if (!node.isObject()) {
      throw new InvalidConfigException(at, "must be an object");
    }
    if (node.has("handle")) {
      JsonNode handle = node.get("handle");
      if (!handle.isTextual()) {
        throw new InvalidConfigException(at + "/handle", "must be a string");
      }
      Handle h = Handle.fromJson(handle.asText());
      if (h == null) {
        throw new InvalidConfigException(at + "/handle", "unknown value \"" + handle.asText()
            + "\"; expected filesystem, hit, miss, rewrite, resource or error");
      }
      Iterator<String> names = node.fieldNames();
      while (names.hasNext()) {
        String name = names.next();
        if (!name.equals("handle")) {
          throw new InvalidConfigException(at + "/" + InvalidConfigException.token(name),
              "is not allowed in a handle route");
        }
      }
      return new Handler(h);
    }
    String src = aliased(node, at, "src", "source");
    if (src == null) {
      throw new InvalidConfigException(at + "/src", "is required (a route has either `src` or `handle`)");
    }
    String dest = aliased(node, at, "dest", "destination");
    Integer status = integer(node, at, "status", "statusCode");
    Builder b = SourceRoute.builder(src)
        .dest(dest)
        .headers(stringMap(node.get("headers"), at + "/headers"))
        .methods(stringList(node.get("methods"), at + "/methods"))
        .continueRouting(bool(node, at, "continue"))
        .caseSensitive(bool(node, at, "caseSensitive"))
        .check(bool(node, at, "check"))
        .status(status == null ? 0 : status)
        .has(readConditions(node.get("has"), at + "/has"))
        .missing(readConditions(node.get("missing"), at + "/missing"))
        .important(bool(node, at, "important"));
    return b.build();
  }

  private static String aliased(JsonNode node, String at, String name, String alias) {
    JsonNode value = nonNull(node.get(name));
    JsonNode other = nonNull(node.get(alias));
    if (value != null && other != null) {
      throw new InvalidConfigException(at + "/" + alias, "cannot be used together with `" + name + "`");
    }
    String field = value != null ? name : alias;
    JsonNode v = value != null ? value : other;
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw new InvalidConfigException(at + "/" + field, "must be a string");
    }
    return v.asText();
  }

  private static Integer integer(JsonNode node, String at, String name, String alias) {
    JsonNode value = nonNull(node.get(name));
    JsonNode other = nonNull(node.get(alias));
    if (value != null && other != null) {
      throw new InvalidConfigException(at + "/" + alias, "cannot be used together with `" + name + "`");
    }
    String field = value != null ? name : alias;
    JsonNode v = value != null ? value : other;
    if (v == null) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new InvalidConfigException(at + "/" + field, "must be an integer");
    }
    return v.asInt();
  }

  private static boolean bool(JsonNode node, String at, String name) {
    JsonNode v = nonNull(node.get(name));
    if (v == null) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new InvalidConfigException(at + "/" + name, "must be true or false");
    }
    return v.asBoolean();
  }

  private static Map<String, String> stringMap(JsonNode node, String at) {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      throw new InvalidConfigException(at, "must be an object of strings");
    }
    Map<String, String> map = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      if (!e.getValue().isTextual()) {
        throw new InvalidConfigException(at + "/" + InvalidConfigException.token(e.getKey()), "must be a string");
      }
      map.put(e.getKey(), e.getValue().asText());
    }
    return map;
  }

  private static List<String> stringList(JsonNode node, String at) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new InvalidConfigException(at, "must be an array of strings");
    }
    List<String> list = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      if (!node.get(i).isTextual()) {
        throw new InvalidConfigException(at + "/" + i, "must be a string");
      }
      list.add(node.get(i).asText());
    }
    return list;
  }

  /** Reads a {@code has}/{@code missing} array (shared with the vercel.json compiler). */
  static List<Condition> readConditions(JsonNode node, String at) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new InvalidConfigException(at, "must be an array");
    }
    if (node.size() > MAX_CONDITIONS) {
      throw new InvalidConfigException(at, "has more than " + MAX_CONDITIONS + " conditions");
    }
    List<Condition> list = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      list.add(readCondition(node.get(i), at + "/" + i));
    }
    return list;
  }

  private static Condition readCondition(JsonNode node, String at) {
    if (!node.isObject()) {
      throw new InvalidConfigException(at, "must be an object");
    }
    JsonNode type = node.get("type");
    if (type == null || !type.isTextual()) {
      throw new InvalidConfigException(at + "/type", "must be one of header, cookie, query, host");
    }
    ConditionType t = switch (type.asText()) {
      case "header" -> ConditionType.HEADER;
      case "cookie" -> ConditionType.COOKIE;
      case "query" -> ConditionType.QUERY;
      case "host" -> ConditionType.HOST;
      default -> throw new InvalidConfigException(at + "/type", "unknown condition type \"" + type.asText()
          + "\"; expected header, cookie, query or host");
    };
    String key = null;
    JsonNode k = nonNull(node.get("key"));
    if (k != null) {
      if (!k.isTextual()) {
        throw new InvalidConfigException(at + "/key", "must be a string");
      }
      key = k.asText();
    }
    if (t != ConditionType.HOST && (key == null || key.isEmpty())) {
      throw new InvalidConfigException(at + "/key", "is required for a " + t.json() + " condition");
    }
    ConditionValue value = readConditionValue(nonNull(node.get("value")), at + "/value");
    if (t == ConditionType.HOST && value == null) {
      throw new InvalidConfigException(at + "/value", "is required for a host condition");
    }
    return new Condition(t, key, value);
  }

  private static ConditionValue readConditionValue(JsonNode v, String at) {
    if (v == null) {
      return null;
    }
    if (v.isTextual()) {
      return ConditionValue.regex(v.asText());
    }
    if (!v.isObject()) {
      throw new InvalidConfigException(at, "must be a string (a regular expression) or an object");
    }
    Iterator<String> names = v.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!Set.of("eq", "neq", "inc", "ninc", "pre", "suf", "re", "gt", "gte", "lt", "lte").contains(name)) {
        throw new InvalidConfigException(at + "/" + InvalidConfigException.token(name), "is not a known matcher");
      }
    }
    JsonNode eq = nonNull(v.get("eq"));
    if (eq != null && !eq.isTextual() && !eq.isNumber()) {
      throw new InvalidConfigException(at + "/eq", "must be a string or a number");
    }
    return new ConditionValue(null,
        eq == null ? null : eq.asText(),
        text(v, at, "neq"),
        v.has("inc") ? stringList(v.get("inc"), at + "/inc") : null,
        v.has("ninc") ? stringList(v.get("ninc"), at + "/ninc") : null,
        text(v, at, "pre"),
        text(v, at, "suf"),
        text(v, at, "re"),
        number(v, at, "gt"),
        number(v, at, "gte"),
        number(v, at, "lt"),
        number(v, at, "lte"));
  }

  private static String text(JsonNode node, String at, String name) {
    JsonNode v = nonNull(node.get(name));
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw new InvalidConfigException(at + "/" + name, "must be a string");
    }
    return v.asText();
  }

  private static Double number(JsonNode node, String at, String name) {
    JsonNode v = nonNull(node.get(name));
    if (v == null) {
      return null;
    }
    if (!v.isNumber()) {
      throw new InvalidConfigException(at + "/" + name, "must be a number");
    }
    return v.asDouble();
  }

  /** Lenient: entries that are not objects, and fields that are not strings, are skipped. */
  private static Map<String, FileOverride> readOverrides(JsonNode node) {
    if (node == null || !node.isObject()) {
      return Map.of();
    }
    Map<String, FileOverride> map = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      JsonNode o = e.getValue();
      if (!o.isObject()) {
        continue;
      }
      JsonNode path = o.get("path");
      JsonNode type = o.get("contentType");
      map.put(e.getKey(), new FileOverride(path != null && path.isTextual() ? path.asText() : null,
          type != null && type.isTextual() ? type.asText() : null));
    }
    return map;
  }

  /** Lenient: anything but strings is skipped. */
  private static List<String> readCache(JsonNode node) {
    if (node == null || !node.isArray()) {
      return List.of();
    }
    List<String> list = new ArrayList<>();
    node.forEach(n -> {
      if (n.isTextual()) {
        list.add(n.asText());
      }
    });
    return list;
  }

  // --- writing -----------------------------------------------------------------------------------

  /** This configuration as {@code config.json} (what {@link #parse} reads back to an equal value). */
  public byte[] toJson() {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(toTree());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  ObjectNode toTree() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("version", version);
    ArrayNode array = root.putArray("routes");
    for (Route route : routes) {
      if (route instanceof Handler h) {
        array.addObject().put("handle", h.handle().json());
        continue;
      }
      SourceRoute r = (SourceRoute) route;
      ObjectNode o = array.addObject();
      o.put("src", r.src());
      if (r.dest() != null) {
        o.put("dest", r.dest());
      }
      if (!r.headers().isEmpty()) {
        ObjectNode headers = o.putObject("headers");
        r.headers().forEach(headers::put);
      }
      if (!r.methods().isEmpty()) {
        ArrayNode methods = o.putArray("methods");
        r.methods().forEach(methods::add);
      }
      if (r.continueRouting()) {
        o.put("continue", true);
      }
      if (r.caseSensitive()) {
        o.put("caseSensitive", true);
      }
      if (r.check()) {
        o.put("check", true);
      }
      if (r.status() != 0) {
        o.put("status", r.status());
      }
      if (!r.has().isEmpty()) {
        writeConditions(o.putArray("has"), r.has());
      }
      if (!r.missing().isEmpty()) {
        writeConditions(o.putArray("missing"), r.missing());
      }
      if (r.important()) {
        o.put("important", true);
      }
    }
    if (images != null) {
      root.set("images", images);
    }
    if (!overrides.isEmpty()) {
      ObjectNode o = root.putObject("overrides");
      overrides.forEach((file, override) -> {
        ObjectNode entry = o.putObject(file);
        if (override.path() != null) {
          entry.put("path", override.path());
        }
        if (override.contentType() != null) {
          entry.put("contentType", override.contentType());
        }
      });
    }
    if (!cache.isEmpty()) {
      ArrayNode a = root.putArray("cache");
      cache.forEach(a::add);
    }
    if (wildcard != null) {
      root.set("wildcard", wildcard);
    }
    return root;
  }

  private static void writeConditions(ArrayNode array, List<Condition> conditions) {
    for (Condition c : conditions) {
      ObjectNode o = array.addObject();
      o.put("type", c.type().json());
      if (c.key() != null) {
        o.put("key", c.key());
      }
      ConditionValue v = c.value();
      if (v == null) {
        continue;
      }
      if (v.isRegex()) {
        o.put("value", v.regex());
        continue;
      }
      ObjectNode m = o.putObject("value");
      putIfSet(m, "eq", v.eq());
      putIfSet(m, "neq", v.neq());
      if (v.inc() != null) {
        ArrayNode a = m.putArray("inc");
        v.inc().forEach(a::add);
      }
      if (v.ninc() != null) {
        ArrayNode a = m.putArray("ninc");
        v.ninc().forEach(a::add);
      }
      putIfSet(m, "pre", v.pre());
      putIfSet(m, "suf", v.suf());
      putIfSet(m, "re", v.re());
      putIfSet(m, "gt", v.gt());
      putIfSet(m, "gte", v.gte());
      putIfSet(m, "lt", v.lt());
      putIfSet(m, "lte", v.lte());
    }
  }

  private static void putIfSet(ObjectNode o, String name, String value) {
    if (value != null) {
      o.put(name, value);
    }
  }

  private static void putIfSet(ObjectNode o, String name, Double value) {
    if (value != null) {
      o.put(name, value);
    }
  }
}
