package dev.ferry.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.output.BuildOutputConfig;
import dev.ferry.output.FileLookup;
import dev.ferry.output.Request;
import dev.ferry.output.Result;
import dev.ferry.output.RoutesEngine;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FunctionRoutesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> FUNCTIONS = Set.of("api/hello", "api/users/[id]", "api/users/me",
      "api/docs/[...slug]", "api/index", "api/shop/[[...path]]");

  private static Result route(JsonNode config, String path) throws Exception {
    RoutesEngine engine = RoutesEngine.compile(BuildOutputConfig.parse(JSON.writeValueAsBytes(config)));
    return engine.route(Request.of("GET", path, Request.parseQuery(null), java.util.Map.of(), "x"),
        new Deployment(Set.of("index.html"), FUNCTIONS));
  }

  /** A deployment of these files and functions. */
  private record Deployment(Set<String> files, Set<String> functions) implements FileLookup {
    @Override
    public boolean exists(String path) {
      return files.contains(path);
    }

    @Override
    public Optional<String> function(String name) {
      return Optional.of(name).filter(functions::contains);
    }
  }

  private static Result.ServeFunction function(JsonNode config, String path) throws Exception {
    return assertInstanceOf(Result.ServeFunction.class, route(config, path), path);
  }

  @Test
  void dynamicSegmentsCatchAllsAndIndexReachTheirFunctions() throws Exception {
    JsonNode config = FunctionRoutes.withFunctionRoutes(null, FUNCTIONS);
    assertEquals("api/hello", function(config, "/api/hello").name());
    Result.ServeFunction user = function(config, "/api/users/42");
    assertEquals("api/users/[id]", user.name());
    assertEquals(List.of("42"), user.query().get("id"));
    assertEquals("api/users/me", function(config, "/api/users/me").name(), "a literal file wins");
    Result.ServeFunction docs = function(config, "/api/docs/a/b");
    assertEquals("api/docs/[...slug]", docs.name());
    assertEquals(List.of("a/b"), docs.query().get("slug"));
    assertEquals("api/index", function(config, "/api").name());
    assertEquals("api/shop/[[...path]]", function(config, "/api/shop").name());
    assertEquals("api/shop/[[...path]]", function(config, "/api/shop/x/y").name());
    assertInstanceOf(Result.ServeFile.class, route(config, "/"));
    assertInstanceOf(Result.NotFound.class, route(config, "/api/users/1/2"));
  }

  @Test
  void theProjectsOwnRoutesComeFirst() throws Exception {
    JsonNode own = JSON.readTree("{\"version\": 3, \"routes\": [{\"src\": \"^/old$\", \"status\": 308,"
        + " \"headers\": {\"Location\": \"/new\"}}, {\"handle\": \"filesystem\"}, {\"src\": \"^/x$\","
        + " \"dest\": \"/api/hello\"}]}");
    JsonNode config = FunctionRoutes.withFunctionRoutes(own, Set.of("api/users/[id]"));
    assertEquals("^/old$", config.at("/routes/0/src").asText());
    assertEquals("filesystem", config.at("/routes/1/handle").asText());
    assertEquals("/api/users/[id]?id=$id", config.at("/routes/2/dest").asText());
    assertEquals("^/x$", config.at("/routes/3/src").asText());
    assertEquals("api/hello", function(config, "/x").name());
  }

  @Test
  void withoutFunctionsTheConfigurationIsUnchanged() throws Exception {
    assertNull(FunctionRoutes.withFunctionRoutes(null, Set.of()));
  }
}
