package dev.ferry.output;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.output.BuildOutputConfig.ConditionType;
import dev.ferry.output.BuildOutputConfig.Handle;
import dev.ferry.output.BuildOutputConfig.Handler;
import dev.ferry.output.BuildOutputConfig.SourceRoute;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BuildOutputConfigTest {

  private static BuildOutputConfig parse(String json) {
    return BuildOutputConfig.parse(json.getBytes(UTF_8));
  }

  private static InvalidConfigException invalid(String json) {
    return assertThrows(InvalidConfigException.class, () -> parse(json));
  }

  @Test
  void readsSourceRoutesAndHandles() {
    BuildOutputConfig config = parse("""
        {"version": 3, "routes": [
          {"src": "/a/(.*)", "dest": "/b/$1", "headers": {"X-A": "1"}, "methods": ["GET"], "continue": true,
           "caseSensitive": true, "check": true, "status": 201, "important": true,
           "has": [{"type": "header", "key": "x-h", "value": "v.*"}, {"type": "host", "value": {"suf": ".example"}}],
           "missing": [{"type": "cookie", "key": "c"}],
           "locale": {"redirect": {"fr": "/fr"}}, "middlewarePath": "middleware"},
          {"handle": "filesystem"},
          {"source": "/x", "destination": "/y", "statusCode": 404}
        ],
        "images": {"sizes": [640]}, "overrides": {"a.html": {"path": "a", "contentType": "text/html"}},
        "cache": [".next/cache/**"], "wildcard": [{"domain": "x.example", "value": "en"}], "crons": []}
        """);
    SourceRoute first = (SourceRoute) config.routes().get(0);
    assertEquals("/a/(.*)", first.src());
    assertEquals("/b/$1", first.dest());
    assertEquals(Map.of("X-A", "1"), first.headers());
    assertEquals(List.of("GET"), first.methods());
    assertTrue(first.continueRouting() && first.caseSensitive() && first.check() && first.important());
    assertEquals(201, first.status());
    assertEquals(ConditionType.HOST, first.has().get(1).type());
    assertEquals(".example", first.has().get(1).value().suf());
    assertEquals("c", first.missing().get(0).key());
    assertEquals(new Handler(Handle.FILESYSTEM), config.routes().get(1));
    SourceRoute aliased = (SourceRoute) config.routes().get(2);
    assertEquals("/x", aliased.src());
    assertEquals("/y", aliased.dest());
    assertEquals(404, aliased.status());
    assertNotNull(config.images());
    assertEquals("a", config.overrides().get("a.html").path());
    assertEquals(List.of(".next/cache/**"), config.cache());
    assertNotNull(config.wildcard());
  }

  @Test
  void toJsonReadsBackEqual() {
    BuildOutputConfig config = parse("""
        {"version": 3, "routes": [
          {"src": "^/a$", "headers": {"Location": "/b"}, "status": 308},
          {"src": "^/q$", "has": [{"type": "query", "key": "n", "value": {"gte": 10, "inc": ["1"], "eq": "x"}}],
           "missing": [{"type": "header", "key": "x"}], "dest": "/n", "methods": ["POST"], "check": true},
          {"handle": "error"},
          {"src": "/.*", "dest": "/404.html", "status": 404}
        ], "overrides": {"a.html": {"path": "a"}}, "cache": ["x"]}
        """);
    assertEquals(config, BuildOutputConfig.parse(config.toJson()));
  }

  @Test
  void isLenientWithTheSettingsItDoesNotUse() {
    BuildOutputConfig config = parse("""
        {"version": 3, "images": "odd", "overrides": {"a": 1, "b": {"path": 2, "contentType": "text/plain"}},
         "cache": [1, "x"], "wildcard": 5, "somethingNew": true}
        """);
    assertEquals(List.of("x"), config.cache());
    assertEquals(1, config.overrides().size());
    assertEquals("text/plain", config.overrides().get("b").contentType());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      {"version": 3, "routes": [{"src": "^/$"}, {"src": 5}]}                     | /routes/1/src       | route 1, field "src": must be a string
      {"version": 3, "routes": [{"src": "^/(a"}]}                                | /routes/0/src       | route 0, field "src": invalid regular expression "^/(a"
      {"version": 3, "routes": [{"handle": "nope"}]}                             | /routes/0/handle    | unknown value "nope"
      {"version": 3, "routes": [{"handle": "miss"}, {"handle": "miss"}]}         | /routes/1/handle    | duplicate `handle: miss`
      {"version": 3, "routes": [{"handle": "hit", "src": "/"}]}                  | /routes/0/src       | is not allowed in a handle route
      {"version": 3, "routes": [{"dest": "/x"}]}                                 | /routes/0/src       | is required
      {"version": 3, "routes": [{"src": "/", "source": "/"}]}                    | /routes/0/source    | cannot be used together with `src`
      {"version": 3, "routes": [{"src": "/", "continue": "yes"}]}                | /routes/0/continue  | must be true or false
      {"version": 3, "routes": [{"src": "/", "status": 1000}]}                   | /routes/0/status    | must be between 100 and 999
      {"version": 3, "routes": [{"src": "/", "status": "404"}]}                  | /routes/0/status    | must be an integer
      {"version": 3, "routes": [{"src": "/", "headers": {"x": 1}}]}              | /routes/0/headers/x | must be a string
      {"version": 3, "routes": [{"src": "/", "headers": {"bad name": "1"}}]}     | /routes/0/headers/bad name | is not a valid header name
      {"version": 3, "routes": [{"src": "/", "methods": "GET"}]}                 | /routes/0/methods   | must be an array of strings
      {"version": 3, "routes": [{"handle": "hit"}, {"src": "/", "dest": "/x", "continue": true}]} | /routes/1/dest | is not allowed after `handle: hit`
      {"version": 3, "routes": [{"handle": "hit"}, {"src": "/", "headers": {"a": "b"}}]}          | /routes/1/continue | must be true after `handle: hit`
      {"version": 3, "routes": [{"handle": "miss"}, {"src": "/", "dest": "/x"}]}                  | /routes/1/check | must be true for a route with `dest` after `handle: miss`
      {"version": 3, "routes": [{"src": "/", "has": [{"type": "ip", "key": "x"}]}]}              | /routes/0/has/0/type | unknown condition type "ip"
      {"version": 3, "routes": [{"src": "/", "has": [{"type": "header"}]}]}                      | /routes/0/has/0/key | is required for a header condition
      {"version": 3, "routes": [{"src": "/", "missing": [{"type": "host"}]}]}                    | /routes/0/missing/0/value | is required for a host condition
      {"version": 3, "routes": [{"src": "/", "has": [{"type": "query", "key": "a", "value": "(x"}]}]} | /routes/0/has/0/value | invalid regular expression
      {"version": 3, "routes": [{"src": "/", "has": [{"type": "query", "key": "a", "value": {"gt": "1"}}]}]} | /routes/0/has/0/value/gt | must be a number
      {"version": 3, "routes": {}}                                               | /routes             | must be an array
      {"version": 3, "routes": [5]}                                              | /routes/0           | must be an object
      {"version": 2}                                                             | /version            | must be 3
      {"routes": []}                                                             | /version            | is required
      []                                                                         | ''                  | must be a JSON object
      {"version": 3,                                                             | ''                  | is not valid JSON
      """)
  void reportsWhereAConfigIsInvalid(String json, String pointer, String message) {
    InvalidConfigException e = invalid(json);
    assertEquals(pointer, e.pointer());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void messagesNameTheRouteIndexAndField() {
    InvalidConfigException e = invalid("{\"version\": 3, \"routes\": [{\"src\": \"/\"}, {\"src\": \"[\"}]}");
    assertTrue(e.getMessage().startsWith("route 1, field \"src\": invalid regular expression \"[\""), e.getMessage());
  }

  @Test
  void enforcesTheLimits() {
    String longSrc = "/" + "a".repeat(BuildOutputConfig.MAX_PATTERN_LENGTH);
    InvalidConfigException tooLong = invalid("{\"version\": 3, \"routes\": [{\"src\": \"" + longSrc + "\"}]}");
    assertEquals("/routes/0/src", tooLong.pointer());

    StringBuilder many = new StringBuilder("{\"version\": 3, \"routes\": [");
    for (int i = 0; i <= BuildOutputConfig.MAX_ROUTES; i++) {
      many.append(i == 0 ? "" : ",").append("{\"src\": \"/").append(i).append("\"}");
    }
    InvalidConfigException tooMany = invalid(many.append("]}").toString());
    assertEquals("/routes", tooMany.pointer());
    assertTrue(tooMany.getMessage().contains("at most 2048"), tooMany.getMessage());

    StringBuilder max = new StringBuilder("{\"version\": 3, \"routes\": [");
    for (int i = 0; i < BuildOutputConfig.MAX_ROUTES; i++) {
      max.append(i == 0 ? "" : ",").append("{\"src\": \"^/r").append(i).append("/(.*)$\", \"dest\": \"/$1\"}");
    }
    assertEquals(BuildOutputConfig.MAX_ROUTES, parse(max.append("]}").toString()).routes().size());
  }

  @Test
  void theConstructorValidatesRoutesBuiltInCode() {
    SourceRoute broken = SourceRoute.builder("(").build();
    InvalidConfigException e = assertThrows(InvalidConfigException.class,
        () -> BuildOutputConfig.of(List.of(broken)));
    assertEquals("/routes/0/src", e.pointer());
    assertInstanceOf(BuildOutputConfig.class, BuildOutputConfig.of(List.of(SourceRoute.builder("/ok").build())));
  }
}
