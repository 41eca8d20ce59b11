package dev.ferry.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the cases in {@code src/test/resources/output/conformance/*.json}, written from Vercel's
 * documented behaviour.
 *
 * <p>A file is {@code {"description", "vercelJson" | "config", "files", "functions", "cases"}};
 * each case is {@code {"name", "request", "expect"}} and may override {@code vercelJson},
 * {@code config}, {@code files} and {@code functions}. A request is {@code {method, path, query,
 * headers, cookies, host}} (cookies default to the {@code cookie} header); {@code expect} is
 * {@code {kind: file|function|redirect|proxy|status|notFound, status, path, name, location, url,
 * query, headers}}, where {@code headers} lists headers that must be present with that value, or
 * absent when the value is null, and {@code query} is the whole query a function receives.
 */
class ConformanceTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DIRECTORY = "output/conformance";

  static Stream<Arguments> cases() throws IOException, URISyntaxException {
    List<Arguments> cases = new ArrayList<>();
    for (Path file : files()) {
      JsonNode suite = JSON.readTree(file.toFile());
      String prefix = file.getFileName().toString().replace(".json", "");
      for (JsonNode c : suite.get("cases")) {
        cases.add(Arguments.of(prefix + ": " + c.get("name").asText(), suite, c));
      }
    }
    return cases.stream();
  }

  private static List<Path> files() throws IOException, URISyntaxException {
    URL url = ConformanceTest.class.getClassLoader().getResource(DIRECTORY);
    assertNotNull(url, DIRECTORY + " is on the test class path");
    try (Stream<Path> list = Files.list(Path.of(url.toURI()))) {
      return list.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
  }

  @Test
  void thereAreEnoughCases() throws Exception {
    long count = cases().count();
    assertTrue(count >= 60, "only " + count + " conformance cases");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void conforms(String name, JsonNode suite, JsonNode c) throws Exception {
    RoutesEngine engine = RoutesEngine.compile(config(pick(suite, c, "vercelJson"), pick(suite, c, "config")));
    FileLookup files = lookup(pick(suite, c, "files"), pick(suite, c, "functions"));
    Result result = engine.route(request(c.get("request")), files);
    check(c.get("expect"), result);
  }

  private static JsonNode pick(JsonNode suite, JsonNode c, String field) {
    if (c.has(field)) {
      return c.get(field);
    }
    if (field.equals("vercelJson") && c.has("config") || field.equals("config") && c.has("vercelJson")) {
      return null; // a case that brings its own configuration of the other kind
    }
    return suite.get(field);
  }

  static BuildOutputConfig config(JsonNode vercelJson, JsonNode config) throws IOException {
    if (vercelJson != null) {
      return VercelJsonCompiler.compile(JSON.writeValueAsBytes(vercelJson)).config();
    }
    if (config != null) {
      return BuildOutputConfig.parse(JSON.writeValueAsBytes(config));
    }
    return BuildOutputConfig.of(List.of());
  }

  static FileLookup lookup(JsonNode files, JsonNode functions) {
    Set<String> fileSet = new HashSet<>();
    Set<String> functionSet = new HashSet<>();
    if (files != null) {
      files.forEach(f -> fileSet.add(f.asText()));
    }
    if (functions != null) {
      functions.forEach(f -> functionSet.add(f.asText()));
    }
    return new FileLookup() {
      @Override
      public boolean exists(String path) {
        assertFalse(path.startsWith("/"), "lookups have no leading slash: " + path);
        return fileSet.contains(path);
      }

      @Override
      public Optional<String> function(String path) {
        return functionSet.contains(path) ? Optional.of(path) : Optional.empty();
      }
    };
  }

  static Request request(JsonNode r) {
    String method = r.has("method") ? r.get("method").asText() : "GET";
    Map<String, List<String>> query = multimap(r.get("query"));
    Map<String, String> headers = new LinkedHashMap<>();
    if (r.has("headers")) {
      r.get("headers").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
    }
    String host = r.has("host") ? r.get("host").asText() : null;
    if (!r.has("cookies")) {
      return Request.of(method, r.get("path").asText(), query, headers, host);
    }
    Map<String, String> cookies = new HashMap<>();
    r.get("cookies").fields().forEachRemaining(e -> cookies.put(e.getKey(), e.getValue().asText()));
    return new Request(method, r.get("path").asText(), query, headers, cookies, host);
  }

  private static Map<String, List<String>> multimap(JsonNode node) {
    Map<String, List<String>> map = new LinkedHashMap<>();
    if (node == null) {
      return map;
    }
    node.fields().forEachRemaining(e -> {
      List<String> values = new ArrayList<>();
      if (e.getValue().isArray()) {
        e.getValue().forEach(v -> values.add(v.asText()));
      } else {
        values.add(e.getValue().asText());
      }
      map.put(e.getKey(), values);
    });
    return map;
  }

  static void check(JsonNode expect, Result result) {
    String kind = expect.get("kind").asText();
    String actual = kind(result);
    assertEquals(kind, actual, "kind of " + result);
    if (result instanceof Result.ServeFile f) {
      expectText(expect, "path", f.path(), result);
      assertEquals(expect.has("status") ? expect.get("status").asInt() : 200, f.status(), "status of " + result);
    } else if (result instanceof Result.ServeFunction f) {
      expectText(expect, "name", f.name(), result);
      expectText(expect, "path", f.path(), result);
      if (expect.has("query")) {
        assertEquals(multimap(expect.get("query")), f.query(), "query of " + result);
      }
      if (expect.has("status")) {
        assertEquals(expect.get("status").asInt(), f.status().orElse(-1), "status of " + result);
      }
    } else if (result instanceof Result.Redirect r) {
      assertEquals(expect.get("status").asInt(), r.status(), "status of " + result);
      expectText(expect, "location", r.location(), result);
    } else if (result instanceof Result.Proxy p) {
      expectText(expect, "url", p.url(), result);
    } else if (result instanceof Result.Status s) {
      assertEquals(expect.get("status").asInt(), s.status(), "status of " + result);
    }
    if (expect.has("headers")) {
      Iterator<Map.Entry<String, JsonNode>> it = expect.get("headers").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        String value = result.headers().get(e.getKey().toLowerCase(Locale.ROOT));
        if (e.getValue().isNull()) {
          assertEquals(null, value, "header " + e.getKey() + " of " + result);
        } else {
          assertEquals(e.getValue().asText(), value, "header " + e.getKey() + " of " + result);
        }
      }
    }
  }

  static String kind(Result result) {
    if (result instanceof Result.ServeFile) {
      return "file";
    } else if (result instanceof Result.ServeFunction) {
      return "function";
    } else if (result instanceof Result.Redirect) {
      return "redirect";
    } else if (result instanceof Result.Proxy) {
      return "proxy";
    } else if (result instanceof Result.Status) {
      return "status";
    }
    return "notFound";
  }

  private static void expectText(JsonNode expect, String field, String actual, Result result) {
    if (!expect.has(field)) {
      fail("expect." + field + " is missing for " + result);
    }
    assertEquals(expect.get(field).asText(), actual, field + " of " + result);
  }
}
