package dev.ferry.output;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class RoutesEngineTest {

  private static RoutesEngine engine(String configJson) {
    return RoutesEngine.compile(BuildOutputConfig.parse(configJson.getBytes(UTF_8)));
  }

  private static RoutesEngine vercel(String vercelJson) {
    return RoutesEngine.compile(VercelJsonCompiler.compile(vercelJson.getBytes(UTF_8)).config());
  }

  private static FileLookup files(String... paths) {
    Set<String> set = Set.of(paths);
    return set::contains;
  }

  @Test
  void aStaticFileWithoutRoutesIsOneLookup() {
    List<String> asked = new ArrayList<>();
    FileLookup recording = path -> {
      asked.add(path);
      return path.equals("assets/app.js");
    };
    Result result = RoutesEngine.compile(BuildOutputConfig.of(List.of())).route(Request.get("/assets/app.js"), recording);
    assertEquals(new Result.ServeFile("assets/app.js", 200, Map.of()), result);
    assertEquals(List.of("assets/app.js"), asked);
  }

  @Test
  void isSafeToShareBetweenThreads() throws Exception {
    RoutesEngine engine = vercel("""
        {"cleanUrls": true, "redirects": [{"source": "/old/:x", "destination": "/new/:x"}],
         "headers": [{"source": "/(.*)", "headers": [{"key": "x-a", "value": "1"}]}],
         "rewrites": [{"source": "/p/:id", "destination": "/api/p"}]}
        """);
    FileLookup files = new FileLookup() {
      @Override
      public boolean exists(String path) {
        return path.equals("about.html");
      }

      @Override
      public Optional<String> function(String path) {
        return path.equals("api/p") ? Optional.of("api/p") : Optional.empty();
      }
    };
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<Boolean>> tasks = new ArrayList<>();
      for (int t = 0; t < 64; t++) {
        int n = t;
        tasks.add(() -> {
          for (int i = 0; i < 500; i++) {
            String id = n + "-" + i;
            Result p = engine.route(Request.get("/p/" + id), files);
            Result r = engine.route(Request.get("/old/" + id), files);
            Result a = engine.route(Request.get("/about"), files);
            if (!(p instanceof Result.ServeFunction f && f.query().equals(Map.of("id", List.of(id)))
                && r instanceof Result.Redirect d && d.location().equals("/new/" + id)
                && a instanceof Result.ServeFile s && s.path().equals("about.html"))) {
              return false;
            }
          }
          return true;
        });
      }
      for (Future<Boolean> f : pool.invokeAll(tasks)) {
        assertTrue(f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void errorPageRunsOnlyTheErrorPhase() {
    RoutesEngine engine = engine("""
        {"version": 3, "routes": [{"src": "/(.*)", "headers": {"x-main": "1"}, "continue": true},
          {"handle": "error"}, {"src": "/.*", "status": 500, "dest": "/500.html"}]}
        """);
    assertEquals(new Result.ServeFile("500.html", 500, Map.of()),
        engine.errorPage(Request.get("/api/x"), 500, files("500.html")));
    assertEquals(new Result.Status(502, Map.of()), engine.errorPage(Request.get("/api/x"), 502, files("500.html")));
    assertEquals(new Result.NotFound(Map.of()), engine.errorPage(Request.get("/x"), 404, files()));
  }

  @Test
  void anErrorPageCanBeAFunctionThatGetsTheStatus() {
    RoutesEngine engine = engine("""
        {"version": 3, "routes": [{"handle": "error"}, {"src": "/.*", "status": 404, "dest": "/_not-found"}]}
        """);
    FileLookup lookup = new FileLookup() {
      @Override
      public boolean exists(String path) {
        return false;
      }

      @Override
      public Optional<String> function(String path) {
        return path.equals("_not-found") ? Optional.of("_not-found") : Optional.empty();
      }
    };
    Result result = engine.route(Request.get("/missing"), lookup);
    Result.ServeFunction f = assertInstanceOf(Result.ServeFunction.class, result);
    assertEquals("_not-found", f.name());
    assertEquals(OptionalInt.of(404), f.status());
  }

  @Test
  void capturedValuesCannotLeaveTheDeployment() {
    RoutesEngine engine = engine("""
        {"version": 3, "routes": [{"src": "^/page$", "has": [{"type": "header", "key": "x-lang", "value": "(?<lang>.*)"}],
          "dest": "/i18n/$lang/page.html"}]}
        """);
    List<String> asked = new ArrayList<>();
    FileLookup recording = path -> {
      asked.add(path);
      return false;
    };
    engine.route(Request.of("GET", "/page", Map.of(), Map.of("X-Lang", "../../../etc"), null), recording);
    assertTrue(asked.contains("etc/page.html"), asked.toString());
    assertTrue(asked.stream().noneMatch(p -> p.contains("..")), asked.toString());
  }

  @Test
  void destinationsWithoutLeadingSlashAndWithEncodedLiterals() {
    RoutesEngine engine = engine("""
        {"version": 3, "routes": [{"src": "^/a$", "dest": "api/index.js"}, {"src": "^/b$", "dest": "/with%20space.html#frag"}]}
        """);
    FileLookup lookup = new FileLookup() {
      @Override
      public boolean exists(String path) {
        return path.equals("with space.html");
      }

      @Override
      public Optional<String> function(String path) {
        return path.equals("api/index.js") ? Optional.of("api/index.js") : Optional.empty();
      }
    };
    assertEquals("/api/index.js", ((Result.ServeFunction) engine.route(Request.get("/a"), lookup)).path());
    assertEquals("with space.html", ((Result.ServeFile) engine.route(Request.get("/b"), lookup)).path());
  }

  @Test
  void aRouteStatusAppliesToTheFileItServes() {
    RoutesEngine engine = engine("""
        {"version": 3, "routes": [{"src": "^/(.*)$", "status": 203, "continue": true}]}
        """);
    assertEquals(new Result.ServeFile("index.html", 203, Map.of()), engine.route(Request.get("/"), files("index.html")));
  }

  @Test
  void missRoutesThatDoNotServeLeaveNoTrace() {
    RoutesEngine engine = engine("""
        {"version": 3, "routes": [
          {"handle": "miss"}, {"src": "^/(.*)$", "headers": {"x-miss": "1"}, "continue": true},
          {"src": "^/(.*)$", "dest": "/$1.html", "check": true},
          {"handle": "filesystem"}, {"src": "^/docs/(.*)$", "dest": "/api/docs?page=$1"}]}
        """);
    FileLookup lookup = new FileLookup() {
      @Override
      public boolean exists(String path) {
        return path.equals("about.html");
      }

      @Override
      public Optional<String> function(String path) {
        return path.equals("api/docs") ? Optional.of("api/docs") : Optional.empty();
      }
    };
    assertEquals(new Result.ServeFile("about.html", 200, Map.of("x-miss", "1")), engine.route(Request.get("/about"), lookup));
    Result.ServeFunction docs = (Result.ServeFunction) engine.route(Request.get("/docs/intro"), lookup);
    assertEquals("/api/docs", docs.path());
    assertEquals(Map.of("page", List.of("intro")), docs.query());
    assertEquals(Map.of(), docs.headers());
  }

  @Test
  void requestNormalisesHeadersAndReadsCookies() {
    Request r = Request.of("GET", "/", Map.of(), Map.of("Cookie", "a=1; b=\"two%20words\"; a=3; junk", "Host", "Site.Example:8080"), null);
    assertEquals(Map.of("a", "1", "b", "two words"), r.cookies());
    assertEquals("Site.Example:8080", r.headers().get("host"));
    assertEquals("site.example", r.hostName());
    assertEquals("[::1]", new Request("GET", "/", null, null, null, "[::1]:80").hostName());
    assertThrows(IllegalArgumentException.class, () -> Request.get("relative"));
  }

  @Test
  void templatesReferToGroupsAndCaptures() {
    RouteRegex regex = RouteRegex.compile("^/(?<a>x)(y)?$", true);
    Template t = Template.parse("$a-$1-$2-$9-$b-$-$c", regex.groupNames(), Map.of("c", 0));
    assertEquals("x-x---$b-$-C", t.render(regex.find("/x"), new String[] {"C"}, false));
    assertEquals("%20", Template.parse("$1", Map.of(), Map.of()).render(RouteRegex.compile("^/(.*)$", true).find("/ "),
        null, true));
    assertTrue(Template.parse("/plain", Map.of(), Map.of()).isConstant());
  }

  @Test
  void urlsAppendTheQueryBeforeTheFragment() {
    Map<String, List<String>> query = new java.util.LinkedHashMap<>();
    query.put("a", List.of("1"));
    query.put("b c", List.of("x&y"));
    assertEquals("/x?a=0&b%20c=x%26y#top", Urls.withQuery("/x?a=0#top", query));
    assertEquals("https://e.example?a=1&b%20c=x%26y", Urls.withQuery("https://e.example", query));
    assertEquals("/a/b", Urls.removeDotSegments("/a/./c/../b"));
    assertEquals("/", Urls.removeDotSegments("/.."));
  }
}
