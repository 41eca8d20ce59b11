package dev.ferry.output;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A route regular expression written for PCRE (as Vercel's routes are), compiled once for
 * {@code java.util.regex}.
 *
 * <p>The translation is small: named groups are turned into plain capturing groups and looked up by
 * number (so PCRE names that Java rejects, such as {@code (?<slug_id>...)} or {@code (?P<id>...)},
 * work), named back-references become numbered ones, and an opening brace that does not start a
 * quantifier is taken literally as PCRE does. Everything else is passed to Java as written.
 *
 * <p>A literal prefix every match must start with (such as {@code /api/} in {@code ^/api/(.*)$})
 * is extracted so that most routes are rejected with a {@code regionMatches} instead of a matcher.
 */
final class RouteRegex {

  private final String source;
  private final Pattern pattern;
  private final Map<String, Integer> groups;
  private final int groupCount;
  private final String prefix;
  private final boolean ignoreCase;

  private RouteRegex(String source, Pattern pattern, Map<String, Integer> groups, int groupCount,
      String prefix, boolean ignoreCase) {
    this.source = source;
    this.pattern = pattern;
    this.groups = groups;
    this.groupCount = groupCount;
    this.prefix = prefix;
    this.ignoreCase = ignoreCase;
  }

  /**
   * @throws PatternSyntaxException when the pattern does not compile
   */
  static RouteRegex compile(String source, boolean caseSensitive) {
    Translation t = translate(source);
    int flags = caseSensitive ? 0 : Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;
    Pattern pattern = Pattern.compile(t.java, flags);
    int count = pattern.matcher("").groupCount();
    String prefix = literalPrefix(t.java);
    return new RouteRegex(source, pattern, Collections.unmodifiableMap(t.groups), count,
        prefix.length() > 1 ? prefix : "", !caseSensitive);
  }

  /** The pattern as written. */
  String source() {
    return source;
  }

  Pattern pattern() {
    return pattern;
  }

  /** Group number of a named group, or -1. */
  int group(String name) {
    Integer index = groups.get(name);
    return index == null ? -1 : index;
  }

  Map<String, Integer> groupNames() {
    return groups;
  }

  int groupCount() {
    return groupCount;
  }

  /** A matcher positioned on the first match in {@code input}, or null (no allocation when the prefix rules it out). */
  Matcher find(String input) {
    if (!prefix.isEmpty() && !input.regionMatches(ignoreCase, 0, prefix, 0, prefix.length())) {
      return null;
    }
    Matcher m = pattern.matcher(input);
    return m.find() ? m : null;
  }

  /** A matcher if the whole of {@code input} matches, or null. */
  Matcher matchWhole(String input) {
    Matcher m = pattern.matcher(input);
    return m.matches() ? m : null;
  }

  String literalPrefix() {
    return prefix;
  }

  @Override
  public String toString() {
    return source;
  }

  // ---------------------------------------------------------------------------------------------

  private record Translation(String java, Map<String, Integer> groups) {}

  private static Translation translate(String s) {
    StringBuilder out = new StringBuilder(s.length() + 8);
    Map<String, Integer> names = new LinkedHashMap<>();
    int group = 0;
    boolean inClass = false;
    int classStart = -1;
    int n = s.length();
    int i = 0;
    while (i < n) {
      char c = s.charAt(i);
      if (c == '\\') {
        if (i + 1 >= n) {
          out.append(c); // dangling escape: let Java report it
          i++;
          continue;
        }
        char next = s.charAt(i + 1);
        if (!inClass && next == 'k' && i + 2 < n && "<{'".indexOf(s.charAt(i + 2)) >= 0) {
          char close = s.charAt(i + 2) == '<' ? '>' : s.charAt(i + 2) == '{' ? '}' : '\'';
          int end = s.indexOf(close, i + 3);
          if (end > 0) {
            Integer ref = names.get(s.substring(i + 3, end));
            if (ref != null) {
              out.append("(?:\\").append(ref).append(')');
              i = end + 1;
              continue;
            }
          }
        }
        if (!inClass && next == 'Q') {
          // \Q...\E quotes: copy through untouched
          int end = s.indexOf("\\E", i + 2);
          int stop = end < 0 ? n : end + 2;
          out.append(s, i, stop);
          i = stop;
          continue;
        }
        out.append(c).append(next);
        i += 2;
        continue;
      }
      if (inClass) {
        if (c == ']' && i > classStart) {
          inClass = false;
        } else if (c == '[' && !(i + 1 < n && s.charAt(i + 1) == ':')) {
          out.append('\\'); // a '[' inside a PCRE class is literal; in Java it opens a nested class
        } else if (c == '[') {
          // POSIX class such as [:alpha:] inside a class: translate the common ones
          int end = s.indexOf(":]", i + 2);
          String posix = end < 0 ? null : posixClass(s.substring(i + 2, end));
          if (posix != null) {
            out.append(posix);
            i = end + 2;
            continue;
          }
          out.append('\\');
        } else if (c == '&' && i + 1 < n && s.charAt(i + 1) == '&') {
          out.append('\\'); // '&&' is an intersection in Java, literal in PCRE
        }
        out.append(c);
        i++;
        continue;
      }
      switch (c) {
        case '[' -> {
          inClass = true;
          out.append(c);
          i++;
          if (i < n && s.charAt(i) == '^') {
            out.append('^');
            i++;
          }
          classStart = i;
          if (i < n && s.charAt(i) == ']') {
            out.append("\\]"); // PCRE: a ']' first in a class is literal
            i++;
          }
          continue;
        }
        case '(' -> {
          String name = null;
          int after = i + 1;
          if (s.startsWith("(?<", i) && i + 3 < n && s.charAt(i + 3) != '=' && s.charAt(i + 3) != '!') {
            int end = s.indexOf('>', i + 3);
            if (end > 0) {
              name = s.substring(i + 3, end);
              after = end + 1;
            }
          } else if (s.startsWith("(?P<", i)) {
            int end = s.indexOf('>', i + 4);
            if (end > 0) {
              name = s.substring(i + 4, end);
              after = end + 1;
            }
          } else if (s.startsWith("(?'", i)) {
            int end = s.indexOf('\'', i + 3);
            if (end > 0) {
              name = s.substring(i + 3, end);
              after = end + 1;
            }
          } else if (s.startsWith("(?P=", i)) {
            int end = s.indexOf(')', i + 4);
            Integer ref = end > 0 ? names.get(s.substring(i + 4, end)) : null;
            if (ref != null) {
              out.append("(?:\\").append(ref).append(')');
              i = end + 1;
              continue;
            }
          }
          if (name != null) {
            group++;
            names.put(name, group);
            out.append('(');
            i = after;
            continue;
          }
          if (i + 1 >= n || s.charAt(i + 1) != '?' && s.charAt(i + 1) != '*') {
            group++;
          }
          out.append(c);
          i++;
          continue;
        }
        case '{' -> {
          if (!startsQuantifier(s, i)) {
            out.append('\\');
          }
          out.append(c);
          i++;
          continue;
        }
        default -> {
          out.append(c);
          i++;
        }
      }
    }
    return new Translation(out.toString(), names);
  }

  private static String posixClass(String name) {
    return switch (name) {
      case "alpha" -> "\\p{Alpha}";
      case "digit" -> "\\d";
      case "alnum" -> "\\p{Alnum}";
      case "upper" -> "\\p{Upper}";
      case "lower" -> "\\p{Lower}";
      case "space" -> "\\s";
      case "word" -> "\\w";
      case "xdigit" -> "\\p{XDigit}";
      case "punct" -> "\\p{Punct}";
      default -> null;
    };
  }

  /** True when the '{' at {@code i} starts {n}, {n,} or {n,m}. */
  private static boolean startsQuantifier(String s, int i) {
    int j = i + 1;
    int digits = 0;
    while (j < s.length() && Character.isDigit(s.charAt(j))) {
      j++;
      digits++;
    }
    if (digits == 0 || j >= s.length()) {
      return false;
    }
    if (s.charAt(j) == '}') {
      return true;
    }
    if (s.charAt(j) != ',') {
      return false;
    }
    j++;
    while (j < s.length() && Character.isDigit(s.charAt(j))) {
      j++;
    }
    return j < s.length() && s.charAt(j) == '}';
  }

  /**
   * The literal text every match starts with, for a pattern anchored with {@code ^} and without a
   * top-level alternation; {@code ""} when there is none.
   */
  static String literalPrefix(String p) {
    if (!p.startsWith("^") || hasTopLevelAlternation(p)) {
      return "";
    }
    StringBuilder prefix = new StringBuilder();
    int i = 1;
    int n = p.length();
    while (i < n) {
      char c = p.charAt(i);
      char literal;
      int length;
      if (c == '\\') {
        if (i + 1 >= n) {
          break;
        }
        char e = p.charAt(i + 1);
        if (Character.isLetterOrDigit(e)) {
          break; // \d, \w, \b, back-references ...
        }
        literal = e;
        length = 2;
      } else if (".[](){}*+?|^$".indexOf(c) >= 0) {
        break;
      } else {
        literal = c;
        length = 1;
      }
      int after = i + length;
      if (after < n) {
        char q = p.charAt(after);
        if (q == '*' || q == '?' || q == '{') {
          break; // the character is optional or repeated
        }
        if (q == '+') {
          prefix.append(literal);
          break;
        }
      }
      prefix.append(literal);
      i = after;
    }
    return prefix.toString();
  }

  private static boolean hasTopLevelAlternation(String p) {
    int depth = 0;
    boolean inClass = false;
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == '\\') {
        i++;
      } else if (inClass) {
        if (c == ']') {
          inClass = false;
        }
      } else if (c == '[') {
        inClass = true;
        if (i + 1 < p.length() && p.charAt(i + 1) == '^') {
          i++;
        }
        if (i + 1 < p.length() && p.charAt(i + 1) == ']') {
          i++;
        }
      } else if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == '|' && depth == 0) {
        return true;
      }
    }
    return false;
  }
}
