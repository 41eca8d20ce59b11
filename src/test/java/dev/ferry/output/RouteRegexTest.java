package dev.ferry.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.regex.Matcher;
import java.util.regex.PatternSyntaxException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouteRegexTest {

  @Test
  void namedGroupsAreNumberedIncludingNamesJavaRejects() {
    RouteRegex r = RouteRegex.compile("^/(?<first_name>[a-z]+)/(\\d+)/(?P<py>x)/(?'q'y)$", true);
    assertEquals(1, r.group("first_name"));
    assertEquals(3, r.group("py"));
    assertEquals(4, r.group("q"));
    assertEquals(-1, r.group("nope"));
    Matcher m = r.find("/ann/7/x/y");
    assertNotNull(m);
    assertEquals("ann", m.group(r.group("first_name")));
    assertEquals("7", m.group(2));
  }

  @Test
  void lookaroundsAndNonCapturingGroupsAreNotCounted() {
    RouteRegex r = RouteRegex.compile("^/(?:a|b)(?=/)(?<!x)/(?<n>[0-9]+)$", true);
    assertEquals(1, r.group("n"));
    assertEquals(1, r.groupCount());
  }

  @Test
  void namedBackReferences() {
    RouteRegex r = RouteRegex.compile("^/(?<w>[a-z]+)/\\k<w>$", true);
    assertNotNull(r.find("/ab/ab"));
    assertNull(r.find("/ab/cd"));
  }

  @Test
  void pcreLiteralsThatJavaWouldReject() {
    assertNotNull(RouteRegex.compile("^/{lang}/x$", true).find("/{lang}/x"), "a brace that is no quantifier");
    assertNotNull(RouteRegex.compile("^/a{2}$", true).find("/aa"), "a quantifier stays one");
    assertNotNull(RouteRegex.compile("^/[[]$", true).find("/["), "'[' inside a class");
    assertNotNull(RouteRegex.compile("^/[]a]$", true).find("/]"), "']' first in a class");
    assertNotNull(RouteRegex.compile("^/[a&&b]$", true).find("/&"), "'&&' inside a class");
    assertNotNull(RouteRegex.compile("^/[[:digit:]]+$", true).find("/123"), "POSIX class");
  }

  @Test
  void caseInsensitiveUnlessCaseSensitive() {
    assertNotNull(RouteRegex.compile("^/About$", false).find("/aBOUT"));
    assertNull(RouteRegex.compile("^/About$", true).find("/about"));
    assertNotNull(RouteRegex.compile("^/Über$", false).find("/über"), "Unicode case folding as with JavaScript's i flag");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      ^/api/(.*)$           | /api/
      ^\\/blog(?:\\/(x))$   | /blog
      ^/ab?c$               | /a
      ^/ab+c$               | /ab
      ^/a\\.b$              | /a.b
      '^/a|^/b'             | ''
      ^(?:/x)$              | ''
      /no-anchor            | ''
      ^/(?i)x$              | /
      ^/x\\d$               | /x
      """)
  void literalPrefixes(String pattern, String prefix) {
    assertEquals(prefix, RouteRegex.literalPrefix(pattern));
  }

  @Test
  void thePrefixCheckRespectsCaseInsensitivity() {
    assertNotNull(RouteRegex.compile("^/API/(.*)$", false).find("/api/x"));
    assertNull(RouteRegex.compile("^/API/(.*)$", true).find("/api/x"));
  }

  @Test
  void brokenPatternsThrow() {
    assertThrows(PatternSyntaxException.class, () -> RouteRegex.compile("^/(a$", false));
    assertThrows(PatternSyntaxException.class, () -> RouteRegex.compile("^/a\\", false));
  }
}
