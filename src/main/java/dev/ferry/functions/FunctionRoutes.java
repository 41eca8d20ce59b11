package dev.ferry.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.build.BuildFailure;
import dev.ferry.output.BuildOutputConfig;
import dev.ferry.output.InvalidConfigException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The routes a deployment's functions need beyond the filesystem check (which already finds {@code /api/hello} for
 * the function {@code api/hello}): dynamic segments, {@code api/users/[id]} answering {@code /api/users/42} with
 * {@code id=42} in the query, catch-alls ({@code [...slug]}), and {@code api/index} answering {@code /api}. They are
 * added right after the configuration's {@code filesystem} handle (Vercel's place for them), so the project's own
 * routes come first.
 */
public final class FunctionRoutes {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SEGMENT = Pattern.compile("\\[(\\[)?(\\.\\.\\.)?([A-Za-z_][A-Za-z0-9_]*)]]?");

  private FunctionRoutes() {}

  /**
   * {@code config} (a {@code config.json} object, or null for none) with the routes of {@code names}; null when
   * there is neither a configuration nor a function.
   */
  public static JsonNode withFunctionRoutes(JsonNode config, Collection<String> names) throws BuildFailure {
    if (names.isEmpty()) {
      return config;
    }
    ObjectNode result = withFilesystemHandle(config);
    ArrayNode routes = (ArrayNode) result.get("routes");
    int filesystem = filesystemHandle(routes);
    List<ObjectNode> added = new ArrayList<>();
    names.stream().sorted(Comparator.comparingInt(FunctionRoutes::specificity).thenComparing(n -> n))
        .forEach(name -> route(name).ifPresent(added::add));
    for (int i = 0; i < added.size(); i++) {
      routes.insert(filesystem + 1 + i, added.get(i));
    }
    return canonical(result);
  }

  /**
   * {@code config} (or none) with a route that sends every request no file answers to the function {@code name}:
   * last in the filesystem phase, so the configuration's own rewrites there still apply first.
   */
  public static JsonNode withCatchAll(JsonNode config, String name) throws BuildFailure {
    ObjectNode result = withFilesystemHandle(config);
    ArrayNode routes = (ArrayNode) result.get("routes");
    int end = filesystemHandle(routes) + 1;
    while (end < routes.size() && !routes.get(end).has("handle")) {
      end++;
    }
    routes.insert(end, JSON.createObjectNode().put("src", "^/.*$").put("dest", "/" + name));
    return canonical(result);
  }

  /** A copy of {@code config} (a new one for null) whose routes have a {@code filesystem} handle. */
  private static ObjectNode withFilesystemHandle(JsonNode config) {
    ObjectNode result = config == null ? JSON.createObjectNode().put("version", 3) : ((ObjectNode) config).deepCopy();
    ArrayNode routes = result.has("routes") && result.get("routes").isArray()
        ? (ArrayNode) result.get("routes") : JSON.createArrayNode();
    if (filesystemHandle(routes) < 0) {
      routes.add(JSON.createObjectNode().put("handle", "filesystem"));
    }
    result.set("routes", routes);
    return result;
  }

  private static int filesystemHandle(ArrayNode routes) {
    for (int i = 0; i < routes.size(); i++) {
      if ("filesystem".equals(routes.get(i).path("handle").asText())) {
        return i;
      }
    }
    return -1;
  }

  private static JsonNode canonical(ObjectNode result) throws BuildFailure {
    try {
      // Validated and brought into the canonical form, as every configuration a deployment carries is.
      return JSON.readTree(BuildOutputConfig.parse(JSON.writeValueAsBytes(result)).toJson());
    } catch (InvalidConfigException | IOException e) {
      throw new BuildFailure("The routes of the functions are not valid: " + e.getMessage());
    }
  }

  /** Literal segments first, catch-alls last, so {@code api/users/me} wins over {@code api/users/[id]}. */
  private static int specificity(String name) {
    return name.contains("[[...") ? 3 : name.contains("[...") ? 2 : name.contains("[") ? 1 : 0;
  }

  static java.util.Optional<ObjectNode> route(String name) {
    boolean index = name.equals("index") || name.endsWith("/index");
    if (!name.contains("[") && !index) {
      return java.util.Optional.empty();
    }
    String path = index ? name.substring(0, name.length() - "index".length()) : name;
    StringBuilder src = new StringBuilder("^/");
    List<String> params = new ArrayList<>();
    String[] segments = path.isEmpty() ? new String[0] : path.split("/");
    for (int i = 0; i < segments.length; i++) {
      String segment = segments[i];
      Matcher m = SEGMENT.matcher(segment);
      boolean last = i == segments.length - 1;
      if (m.matches()) {
        String param = m.group(3);
        params.add(param);
        boolean optional = m.group(1) != null;
        if (optional && i > 0) {
          // "/docs" as well as "/docs/a/b": the slash belongs to the optional part.
          src.setLength(src.length() - 1);
          src.append("(?:/(?<").append(param).append(">.+))?");
        } else {
          src.append("(?<").append(param).append(">").append(m.group(2) != null ? ".+" : "[^/]+").append(")");
        }
      } else {
        src.append(segment.replaceAll("([.+()\\[\\]{}^$|*?\\\\])", "\\\\$1"));
      }
      if (!last) {
        src.append('/');
      }
    }
    if (src.charAt(src.length() - 1) == '/' && src.length() > 2) {
      src.setLength(src.length() - 1);
    }
    src.append("/?$");
    StringBuilder dest = new StringBuilder("/").append(name);
    for (int i = 0; i < params.size(); i++) {
      dest.append(i == 0 ? '?' : '&').append(params.get(i)).append("=$").append(params.get(i));
    }
    ObjectNode route = JSON.createObjectNode();
    route.put("src", src.toString());
    route.put("dest", dest.toString());
    return java.util.Optional.of(route);
  }
}
