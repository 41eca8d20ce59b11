package dev.ferry.output;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.output.BuildOutputConfig.Handle;
import dev.ferry.output.BuildOutputConfig.Handler;
import dev.ferry.output.BuildOutputConfig.Route;
import dev.ferry.output.BuildOutputConfig.SourceRoute;
import dev.ferry.output.CompiledVercelJson.FunctionConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VercelJsonCompilerTest {

  private static CompiledVercelJson compile(String json) {
    return VercelJsonCompiler.compile(json.getBytes(UTF_8));
  }

  private static List<Route> routes(String json) {
    return compile(json).config().routes();
  }

  private static SourceRoute source(Route route) {
    return (SourceRoute) route;
  }

  @Test
  void anEmptyFileHasNoRoutes() {
    CompiledVercelJson compiled = compile("{}");
    assertEquals(List.of(), compiled.config().routes());
    assertEquals(Map.of(), compiled.functions());
    assertEquals(List.of(), compiled.warnings());
  }

  @Test
  void redirectsBecomeCaseSensitiveRoutesWithLocationAndStatus() {
    SourceRoute r = source(routes("""
        {"redirects": [{"source": "/blog/:slug", "destination": "/news/:slug", "permanent": false}]}
        """).get(0));
    assertEquals("^\\/blog(?:\\/([^\\/]+?))$", r.src());
    assertEquals("/news/$1", r.location());
    assertEquals(307, r.status());
    assertTrue(r.caseSensitive());
    assertNull(r.dest());
  }

  @Test
  void rewritesComeAfterTheFilesystemWithCheck() {
    List<Route> routes = routes("""
        {"headers": [{"source": "/(.*)", "headers": [{"key": "x-a", "value": "1"}]}],
         "rewrites": [{"source": "/a/:x/:y", "destination": "/b/:x"}, {"source": "/c/:x", "destination": "/d"}]}
        """);
    assertTrue(source(routes.get(0)).continueRouting());
    assertEquals(new Handler(Handle.FILESYSTEM), routes.get(1));
    SourceRoute used = source(routes.get(2));
    assertTrue(used.check());
    assertEquals("/b/$1", used.dest(), "a parameter is used in the path: none is added to the query");
    assertEquals("/d?x=$1", source(routes.get(3)).dest(), "no parameter is used: all go to the query");
  }

  @Test
  void rewriteQueryParametersAreNotOverwritten() {
    SourceRoute r = source(routes("""
        {"rewrites": [{"source": "/s/:q/:page", "destination": "/search?q=fixed"}]}
        """).get(1));
    assertEquals("/search?q=fixed&page=$2", r.dest());
  }

  @Test
  void hasSegmentsAreParameters() {
    SourceRoute r = source(routes("""
        {"rewrites": [{"source": "/p", "has": [{"type": "header", "key": "x-user", "value": "(?<user>[a-z]+)"},
                                              {"type": "cookie", "key": "team"}], "destination": "/u/:user/:team"}]}
        """).get(1));
    assertEquals("/u/$user/$team", r.dest());
  }

  @Test
  void headerKeysAndValuesTakeParameters() {
    SourceRoute r = source(routes("""
        {"headers": [{"source": "/:lang/docs", "headers": [{"key": "Content-Language", "value": ":lang"},
                                                           {"key": "Link", "value": "<https://x.example/:lang>"},
                                                           {"key": "X-Unknown", "value": ":other"}]}]}
        """).get(0));
    assertEquals(Map.of("Content-Language", "$1", "Link", "<https://x.example/$1>", "X-Unknown", ":other"), r.headers());
  }

  @Test
  void laterHeadersOfOneRuleWin() {
    SourceRoute r = source(routes("""
        {"headers": [{"source": "/", "headers": [{"key": "X-A", "value": "1"}, {"key": "x-a", "value": "2"}]}]}
        """).get(0));
    assertEquals(Map.of("x-a", "2"), r.headers());
  }

  @Test
  void cleanUrlsAddsRedirectsAndAMissRoute() {
    List<Route> routes = routes("{\"cleanUrls\": true}");
    assertEquals(4, routes.size());
    assertEquals(new Handler(Handle.MISS), routes.get(2));
    assertEquals("/$1.html", source(routes.get(3)).dest());
    assertTrue(source(routes.get(3)).check());
  }

  @Test
  void externalDestinationsKeepTheirHostAndPort() {
    SourceRoute r = source(routes("""
        {"rewrites": [{"source": "/api/:path*", "destination": "https://api.example:8443/v1/:path*?key=k"}]}
        """).get(1));
    assertEquals("https://api.example:8443/v1/$1?key=k", r.dest());
  }

  @Test
  void functionsAreKeptForTheRuntime() {
    CompiledVercelJson compiled = compile("""
        {"functions": {"api/*.js": {"maxDuration": 30, "memory": 1024, "runtime": "nodejs20.x"},
                       "api/slow.py": {"maxDuration": 300, "color": "red"}}}
        """);
    assertEquals(Map.of("api/*.js", new FunctionConfig(30, 1024), "api/slow.py", new FunctionConfig(300, null)),
        compiled.functions());
    assertEquals(List.of("unknown key \"color\" in functions \"api/slow.py\" is ignored"), compiled.warnings());
  }

  @Test
  void unknownTopLevelKeysAreWarnings() {
    CompiledVercelJson compiled = compile("""
        {"buildCommand": "npm run build", "outputDirectory": "dist", "$schema": "x", "cleanURLs": true, "extra": 1}
        """);
    assertEquals(List.of("unknown key \"cleanURLs\" in vercel.json is ignored",
        "unknown key \"extra\" in vercel.json is ignored"), compiled.warnings());
    assertEquals(List.of(), compiled.config().routes());
  }

  @Test
  void legacyRoutesAreTakenAsTheyAre() {
    List<Route> routes = routes("""
        {"routes": [{"src": "/api/(.*)", "dest": "/api/index.js"}, {"handle": "filesystem"}, {"src": "/(.*)", "dest": "/index.html"}]}
        """);
    assertEquals(3, routes.size());
    assertFalse(source(routes.get(0)).caseSensitive());
  }

  @Test
  void theCompiledConfigRoundTripsThroughConfigJson() {
    CompiledVercelJson compiled = compile("""
        {"cleanUrls": true, "trailingSlash": false,
         "redirects": [{"source": "/a", "destination": "/b", "has": [{"type": "host", "value": "x\\\\.example"}]}],
         "headers": [{"source": "/(.*)", "headers": [{"key": "x-a", "value": "1"}]}],
         "rewrites": [{"source": "/r/:id", "destination": "/api/r"}], "images": {"sizes": [100]}}
        """);
    assertEquals(compiled.config(), BuildOutputConfig.parse(compiled.config().toJson()));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      {"cleanUrls": "yes"}                                                       | /cleanUrls
      {"trailingSlash": 1}                                                       | /trailingSlash
      {"redirects": {}}                                                          | /redirects
      {"redirects": [{"source": "/a"}]}                                          | /redirects/0/destination
      {"redirects": [{"source": 1, "destination": "/b"}]}                        | /redirects/0/source
      {"redirects": [{"source": "/a", "destination": "/b"}, {"source": "/(", "destination": "/b"}]} | /redirects/1/source
      {"redirects": [{"source": "/a", "destination": "/:b"}]}                   | /redirects/0/destination
      {"redirects": [{"source": "/a", "destination": "/b", "permanent": true, "statusCode": 301}]} | /redirects/0/statusCode
      {"redirects": [{"source": "/a", "destination": "/b", "statusCode": 200}]}  | /redirects/0/statusCode
      {"redirects": [{"source": "/a", "destination": "/b", "permanent": "no"}]}  | /redirects/0/permanent
      {"redirects": [{"source": "/a", "destination": "/b", "destinaton": "/c"}]} | /redirects/0/destinaton
      {"redirects": [{"source": "/a", "destination": "/b", "has": [{"type": "nope", "key": "k"}]}]} | /redirects/0/has/0/type
      {"redirects": [{"source": "/a", "destination": "/b", "missing": [{"type": "query", "key": "k", "value": "("}]}]} | /redirects/0/missing/0/value
      {"headers": [{"source": "/a"}]}                                            | /headers/0/headers
      {"headers": [{"source": "/a", "headers": [{"key": "x"}]}]}                 | /headers/0/headers/0/value
      {"headers": [{"source": "/a", "headers": [{"key": "bad key", "value": "1"}]}]} | /headers/0/headers/0/key
      {"rewrites": [5]}                                                          | /rewrites/0
      {"rewrites": [{"source": "/a", "destination": ["/b"]}]}                    | /rewrites/0/destination
      {"rewrites": [{"source": "/a", "destination": "/b"}], "routes": []}        | /routes
      {"functions": {"api/*.js": {"memory": "1024"}}}                            | /functions/api~1*.js/memory
      {"functions": {"api/*.js": {"maxDuration": 0}}}                            | /functions/api~1*.js/maxDuration
      {"functions": []}                                                          | /functions
      {"routes": [{"src": "("}]}                                                 | /routes/0/src
      {"images": []}                                                             | /images
      """)
  void reportsTheJsonPointerOfAnInvalidField(String json, String pointer) {
    InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> compile(json));
    assertEquals(pointer, e.pointer(), e.getMessage());
    assertTrue(e.getMessage().contains(pointer), e.getMessage());
  }

  @Test
  void enforcesTheLimits() {
    StringBuilder many = new StringBuilder("{\"redirects\": [");
    for (int i = 0; i <= VercelJsonCompiler.MAX_RULES; i++) {
      many.append(i == 0 ? "" : ",").append("{\"source\": \"/").append(i).append("\", \"destination\": \"/\"}");
    }
    InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> compile(many.append("]}").toString()));
    assertEquals("/redirects", e.pointer());

    String longSource = "/" + "a".repeat(VercelJsonCompiler.MAX_SOURCE_LENGTH);
    e = assertThrows(InvalidConfigException.class,
        () -> compile("{\"rewrites\": [{\"source\": \"" + longSource + "\", \"destination\": \"/\"}]}"));
    assertEquals("/rewrites/0/source", e.pointer());
  }

  @Test
  void substituteLeavesUnknownNamesAndTakesModifiers() {
    Map<String, String> indexes = Map.of("a", "$1", "ab", "$2");
    assertEquals("/$1/$2/:c/$1", VercelJsonCompiler.substitute("/:a/:ab/:c/:a*", indexes, true));
    assertEquals("/x:y", VercelJsonCompiler.substitute("/x\\:y", indexes, true));
  }
}
