package dev.ferry.output;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The {@code source} patterns of {@code vercel.json} ({@code path-to-regexp} 6 as Vercel calls it:
 * {@code strict}, {@code sensitive}, delimiter {@code /}) turned into route regular expressions.
 *
 * <ul>
 *   <li>{@code :name} one segment ({@code [^/]+?}); {@code :name?} optional, {@code :name*} zero or
 *       more segments, {@code :name+} one or more; a {@code /} or {@code .} right before the
 *       parameter belongs to it (so {@code /:name?} also matches without the slash);
 *   <li>{@code :name(regex)} a custom pattern, {@code (regex)} an unnamed parameter (referenced as
 *       {@code $n} by position); capturing groups inside a pattern are not allowed;
 *   <li>{@code {...}} a group with prefix/suffix that can take a modifier; {@code \} escapes;
 *   <li>all other text is literal; no optional trailing slash (strict); case-sensitive.
 * </ul>
 */
final class PathToRegexp {

  private PathToRegexp() {}

  /** A compiled source: the regex, and the parameter names in group order (null for unnamed). */
  record Compiled(String regex, List<String> keys) {}

  /** A parsed parameter. {@code name} is null for an unnamed pattern. */
  record Param(String name, String prefix, String suffix, String pattern, String modifier) {}

  private static final String DEFAULT_PATTERN = "[^\\/]+?";
  private static final String PREFIXES = "./";

  /**
   * @throws IllegalArgumentException with path-to-regexp's message when the source is malformed
   */
  static Compiled compile(String source) {
    List<Object> tokens = parse(source);
    StringBuilder route = new StringBuilder("^");
    List<String> keys = new ArrayList<>();
    for (Object token : tokens) {
      if (token instanceof String s) {
        route.append(escape(s));
        continue;
      }
      Param p = (Param) token;
      String prefix = escape(p.prefix());
      String suffix = escape(p.suffix());
      if (!p.pattern().isEmpty()) {
        keys.add(p.name());
        boolean repeat = p.modifier().equals("+") || p.modifier().equals("*");
        if (!prefix.isEmpty() || !suffix.isEmpty()) {
          if (repeat) {
            String mod = p.modifier().equals("*") ? "?" : "";
            route.append("(?:").append(prefix).append("((?:").append(p.pattern()).append(")(?:")
                .append(suffix).append(prefix).append("(?:").append(p.pattern()).append("))*)")
                .append(suffix).append(')').append(mod);
          } else {
            route.append("(?:").append(prefix).append('(').append(p.pattern()).append(')').append(suffix)
                .append(')').append(p.modifier());
          }
        } else if (repeat) {
          route.append("((?:").append(p.pattern()).append(')').append(p.modifier()).append(')');
        } else {
          route.append('(').append(p.pattern()).append(')').append(p.modifier());
        }
      } else {
        route.append("(?:").append(prefix).append(suffix).append(')').append(p.modifier());
      }
    }
    route.append('$');
    return new Compiled(route.toString(), Collections.unmodifiableList(keys));
  }

  /** The names of the named parameters in {@code value}, or an empty list if it does not parse. */
  static List<String> names(String value) {
    List<String> names = new ArrayList<>();
    try {
      for (Object token : parse(value)) {
        if (token instanceof Param p && p.name() != null) {
          names.add(p.name());
        }
      }
    } catch (IllegalArgumentException e) {
      // not fatal, as in Vercel: a destination need not be a valid pattern
    }
    return names;
  }

  // --- lexer and parser (path-to-regexp 6) --------------------------------------------------------

  private enum Type { MODIFIER, ESCAPED_CHAR, OPEN, CLOSE, NAME, PATTERN, CHAR, END }

  private record Lexeme(Type type, int index, String value) {}

  private static List<Lexeme> lex(String str) {
    List<Lexeme> tokens = new ArrayList<>();
    int i = 0;
    while (i < str.length()) {
      char c = str.charAt(i);
      if (c == '*' || c == '+' || c == '?') {
        tokens.add(new Lexeme(Type.MODIFIER, i, String.valueOf(c)));
        i++;
        continue;
      }
      if (c == '\\') {
        if (i + 1 >= str.length()) {
          throw new IllegalArgumentException("Unexpected end after \"\\\" at " + i);
        }
        tokens.add(new Lexeme(Type.ESCAPED_CHAR, i, String.valueOf(str.charAt(i + 1))));
        i += 2;
        continue;
      }
      if (c == '{') {
        tokens.add(new Lexeme(Type.OPEN, i, "{"));
        i++;
        continue;
      }
      if (c == '}') {
        tokens.add(new Lexeme(Type.CLOSE, i, "}"));
        i++;
        continue;
      }
      if (c == ':') {
        int j = i + 1;
        while (j < str.length() && isNameChar(str.charAt(j))) {
          j++;
        }
        if (j == i + 1) {
          throw new IllegalArgumentException("Missing parameter name at " + i);
        }
        tokens.add(new Lexeme(Type.NAME, i, str.substring(i + 1, j)));
        i = j;
        continue;
      }
      if (c == '(') {
        int count = 1;
        StringBuilder pattern = new StringBuilder();
        int j = i + 1;
        if (j < str.length() && str.charAt(j) == '?') {
          throw new IllegalArgumentException("Pattern cannot start with \"?\" at " + j);
        }
        while (j < str.length()) {
          char d = str.charAt(j);
          if (d == '\\') {
            pattern.append(d);
            if (j + 1 < str.length()) {
              pattern.append(str.charAt(j + 1));
            }
            j += 2;
            continue;
          }
          if (d == ')') {
            count--;
            if (count == 0) {
              j++;
              break;
            }
          } else if (d == '(') {
            count++;
            if (j + 1 >= str.length() || str.charAt(j + 1) != '?') {
              throw new IllegalArgumentException("Capturing groups are not allowed at " + j);
            }
          }
          pattern.append(d);
          j++;
        }
        if (count != 0) {
          throw new IllegalArgumentException("Unbalanced pattern at " + i);
        }
        if (pattern.length() == 0) {
          throw new IllegalArgumentException("Missing pattern at " + i);
        }
        tokens.add(new Lexeme(Type.PATTERN, i, pattern.toString()));
        i = j;
        continue;
      }
      tokens.add(new Lexeme(Type.CHAR, i, String.valueOf(c)));
      i++;
    }
    tokens.add(new Lexeme(Type.END, i, ""));
    return tokens;
  }

  static boolean isNameChar(char c) {
    return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_';
  }

  /** Literal strings and {@link Param}s. */
  static List<Object> parse(String str) {
    List<Lexeme> tokens = lex(str);
    Parser p = new Parser(tokens);
    List<Object> result = new ArrayList<>();
    StringBuilder path = new StringBuilder();
    while (p.i < tokens.size()) {
      String c = p.tryConsume(Type.CHAR);
      String name = p.tryConsume(Type.NAME);
      String pattern = p.tryConsume(Type.PATTERN);
      if (name != null || pattern != null) {
        String prefix = c == null ? "" : c;
        if (!prefix.isEmpty() && PREFIXES.indexOf(prefix.charAt(0)) < 0) {
          path.append(prefix);
          prefix = "";
        }
        if (path.length() > 0) {
          result.add(path.toString());
          path.setLength(0);
        }
        String modifier = p.tryConsume(Type.MODIFIER);
        result.add(new Param(name, prefix, "", pattern != null ? pattern : DEFAULT_PATTERN,
            modifier == null ? "" : modifier));
        continue;
      }
      String value = c != null ? c : p.tryConsume(Type.ESCAPED_CHAR);
      if (value != null) {
        path.append(value);
        continue;
      }
      if (path.length() > 0) {
        result.add(path.toString());
        path.setLength(0);
      }
      if (p.tryConsume(Type.OPEN) != null) {
        String prefix = p.consumeText();
        String groupName = p.tryConsume(Type.NAME);
        String groupPattern = p.tryConsume(Type.PATTERN);
        String suffix = p.consumeText();
        p.mustConsume(Type.CLOSE);
        String modifier = p.tryConsume(Type.MODIFIER);
        String patternValue = groupPattern != null ? groupPattern : groupName != null ? DEFAULT_PATTERN : "";
        result.add(new Param(groupName, prefix, suffix, patternValue, modifier == null ? "" : modifier));
        continue;
      }
      p.mustConsume(Type.END);
    }
    return result;
  }

  private static final class Parser {
    final List<Lexeme> tokens;
    int i;

    Parser(List<Lexeme> tokens) {
      this.tokens = tokens;
    }

    String tryConsume(Type type) {
      if (i < tokens.size() && tokens.get(i).type() == type) {
        return tokens.get(i++).value();
      }
      return null;
    }

    void mustConsume(Type type) {
      if (tryConsume(type) == null) {
        Lexeme next = tokens.get(i);
        throw new IllegalArgumentException("Unexpected " + next.type() + " at " + next.index()
            + ", expected " + type);
      }
    }

    String consumeText() {
      StringBuilder text = new StringBuilder();
      String value;
      while ((value = tryConsume(Type.CHAR)) != null || (value = tryConsume(Type.ESCAPED_CHAR)) != null) {
        text.append(value);
      }
      return text.toString();
    }
  }

  /** path-to-regexp's {@code escapeString}. */
  static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (".+*?=^!:${}()[]|/\\".indexOf(c) >= 0) {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }
}
