package dev.ferry.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which paths get a file, the app's index.html or a 404, and the headers that come with them. */
class DashboardRoutesTest {

  @TempDir
  static Path classpath;

  private static DashboardRoutes routes;

  @BeforeAll
  static void build() throws Exception {
    Path root = Files.createDirectories(classpath.resolve("dashboard/assets"));
    Files.writeString(root.resolveSibling("index.html"), "<div id=\"app\"></div>");
    Files.writeString(root.resolve("index-abc123.js"), "console.log('app')");
    Files.writeString(root.resolveSibling("favicon.svg"), "<svg/>");
    routes = new DashboardRoutes(new URLClassLoader(new URL[] {classpath.toUri().toURL()}, null));
  }

  private static HttpResponse get(String path) {
    return routes.answer(HttpRequest.GET(path).addHeader(RawHeader.create("Host", "localhost:9000")), path);
  }

  private static String body(HttpResponse response) {
    return ((HttpEntity.Strict) response.entity()).getData().utf8String();
  }

  private static String header(HttpResponse response, String name) {
    return response.getHeader(name).map(h -> h.value()).orElse("");
  }

  @Test
  void clientRoutesGetTheAppWithAStrictPolicy() throws Exception {
    for (String path : new String[] {"/", "/projects/site", "/deployments/abc123", "/new"}) {
      HttpResponse response = get(path);
      assertEquals(200, response.status().intValue(), path);
      assertEquals("text/html; charset=UTF-8", response.entity().getContentType().toString(), path);
      assertEquals("no-cache", header(response, "Cache-Control"));
      String policy = header(response, "Content-Security-Policy");
      assertTrue(policy.contains("script-src 'self';"), policy);
      assertTrue(policy.contains("connect-src 'self' ws://localhost:9000 wss://localhost:9000;"), policy);
      assertTrue(policy.contains("frame-ancestors 'none'"), policy);
      assertFalse(policy.contains("unsafe"), policy);
    }
    assertTrue(body(get("/projects/site")).contains("id=\"app\""));
  }

  @Test
  void hashedAssetsAreImmutableAndMissingFilesAre404() throws Exception {
    HttpResponse script = get("/assets/index-abc123.js");
    assertEquals(200, script.status().intValue());
    assertTrue(script.entity().getContentType().toString().startsWith("application/javascript"));
    assertEquals("public, max-age=31536000, immutable", header(script, "Cache-Control"));
    assertEquals("image/svg+xml", get("/favicon.svg").entity().getContentType().mediaType().toString());
    assertEquals(404, get("/assets/missing.js").status().intValue());
    assertEquals(404, get("/assets/other").status().intValue());
    assertEquals(404, get("/robots.txt").status().intValue());
    assertEquals(404, get("/assets/../index.html").status().intValue());
  }

  @Test
  void aHostThatIsNotAHostNameStaysOutOfThePolicy() {
    String policy = DashboardRoutes.headers(Optional.empty()).get(0).value();
    assertTrue(policy.contains("connect-src 'self';"), policy);
  }
}
