package dev.ferry.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestPathTest {

  private static List<String> candidates(String target) {
    return RequestPath.parse(target).orElseThrow().manifestCandidates();
  }

  @Test
  void mapsPathsToManifestCandidates() {
    assertEquals(List.of("index.html"), candidates("/"));
    assertEquals(List.of("docs/index.html"), candidates("/docs/"));
    assertEquals(List.of("docs", "docs/index.html"), candidates("/docs"));
    assertEquals(List.of("assets/app.js", "assets/app.js/index.html"), candidates("/assets/app.js"));
  }

  @Test
  void ignoresQueryFragmentAndAbsoluteFormOrigin() {
    assertEquals("docs/", RequestPath.parse("/docs/?a=..&b=%2f").orElseThrow().path());
    assertEquals("x", RequestPath.parse("/x#frag").orElseThrow().path());
    assertEquals("x/y", RequestPath.parse("http://site.example:8080/x/y?q").orElseThrow().path());
    assertEquals("", RequestPath.parse("https://site.example").orElseThrow().path());
  }

  @Test
  void decodesPercentEncodingExactlyOnce() {
    assertEquals("a b.txt", RequestPath.parse("/a%20b.txt").orElseThrow().path());
    assertEquals("café", RequestPath.parse("/caf%C3%A9").orElseThrow().path());
    assertEquals("%2e%2e", RequestPath.parse("/%252e%252e").orElseThrow().path());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "*", "x", "/..", "/../x", "/a/../b", "/a/..", "/%2e%2e/x", "/%2E%2E", "/.%2e/x",
      "/.", "/a/./b", "/%2e", "/a%2fb", "/a%2F..%2Fb", "/a\\b", "/a%5cb", "/a%5Cb", "/a%00b", "/a\u0000b",
      "/a%0ab", "/a b", "/caf\u00e9", "/%", "/%2", "/%zz", "/%ff", "/%C3"})
  void rejectsUncleanPaths(String target) {
    assertTrue(RequestPath.parse(target).isEmpty(), target);
  }

  @Test
  void dotsInsideNamesAreFine() {
    assertEquals("..well-known/x", RequestPath.parse("/..well-known/x").orElseThrow().path());
    assertEquals("a...b/.c", RequestPath.parse("/a...b/.c").orElseThrow().path());
  }
}
