package dev.ferry.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The regexes are the ones path-to-regexp 6 produces with Vercel's options (strict, sensitive, delimiter /). */
class PathToRegexpTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      /about              | ^\\/about$
      /blog/:slug         | ^\\/blog(?:\\/([^\\/]+?))$
      /:path*             | ^(?:\\/((?:[^\\/]+?)(?:\\/(?:[^\\/]+?))*))?$
      /docs/:path+        | ^\\/docs(?:\\/((?:[^\\/]+?)(?:\\/(?:[^\\/]+?))*))$
      /:lang?/about       | ^(?:\\/([^\\/]+?))?\\/about$
      /user/:id(\\d+)     | ^\\/user(?:\\/(\\d+))$
      /(.*)               | ^(?:\\/(.*))$
      /file.:ext          | ^\\/file(?:\\.([^\\/]+?))$
      /a-:b               | ^\\/a-([^\\/]+?)$
      /{v:version}?/x     | ^\\/(?:v([^\\/]+?))?\\/x$
      /price\\:$          | ^\\/price\\:\\$$
      /a\\+b               | ^\\/a\\+b$
      """)
  void compilesLikePathToRegexp(String source, String regex) {
    assertEquals(regex, PathToRegexp.compile(source).regex());
  }

  @Test
  void namedAndUnnamedKeysInGroupOrder() {
    assertEquals(Arrays.asList("a", null, "b"), PathToRegexp.compile("/:a/(\\d+)/:b*").keys());
    assertEquals(List.of(), PathToRegexp.compile("/static").keys());
  }

  @Test
  void matchesStrictlyAndCaseSensitively() {
    assertTrue(matches("/blog/:slug", "/blog/hello"));
    assertFalse(matches("/blog/:slug", "/blog/hello/"), "strict: no optional trailing slash");
    assertFalse(matches("/blog/:slug", "/blog/a/b"));
    assertFalse(matches("/blog/:slug", "/Blog/hello"), "sensitive");
    assertTrue(matches("/:path*", "/a/b/c"));
    assertFalse(matches("/:path*", "/"), "strict: /:path* needs a segment after the slash");
    assertTrue(matches("/:lang?/about", "/about"));
    assertTrue(matches("/:lang?/about", "/fr/about"));
    assertTrue(matches("/(.*)", "/"));
  }

  @Test
  void capturesWithoutThePrefix() {
    Matcher m = Pattern.compile(PathToRegexp.compile("/docs/:path*").regex()).matcher("/docs/a/b");
    assertTrue(m.matches());
    assertEquals("a/b", m.group(1));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      /:             | Missing parameter name at 1
      /(?x)          | Pattern cannot start with "?" at 2
      /((a))         | Capturing groups are not allowed at 2
      /(a            | Unbalanced pattern at 1
      /()            | Missing pattern at 1
      /*             | Unexpected MODIFIER at 1, expected END
      /{a            | Unexpected END at 3, expected CLOSE
      /a+b           | Unexpected MODIFIER at 2, expected END
      """)
  void rejectsWhatPathToRegexpRejects(String source, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PathToRegexp.compile(source));
    assertEquals(message, e.getMessage());
  }

  @Test
  void namesOfADestination() {
    assertEquals(List.of("slug", "id"), PathToRegexp.names("/posts/:slug/:id"));
    assertEquals(List.of(), PathToRegexp.names("/a/(b"), "a destination that does not parse has no names");
  }

  private static boolean matches(String source, String path) {
    return Pattern.compile(PathToRegexp.compile(source).regex()).matcher(path).matches();
  }
}
