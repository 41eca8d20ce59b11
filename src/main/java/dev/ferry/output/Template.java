package dev.ferry.output;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * A {@code dest} or header value with references to what a route matched, parsed once.
 *
 * <p>{@code $0} is the whole match, {@code $1}..{@code $n} numbered groups of {@code src} (empty
 * when the group did not take part or does not exist), {@code $name} a named group of {@code src}
 * or a value captured by a {@code has} condition (a {@code has} capture wins over a group of the
 * same name). A {@code $name} that names neither stays as written, so a literal {@code $} in a header
 * value survives; there is no escape for a literal {@code $1}, as on Vercel.
 */
final class Template {

  /** Kinds of part: a literal, a group of the src match, a slot filled by a has condition. */
  private static final byte LITERAL = 0;
  private static final byte GROUP = 1;
  private static final byte SLOT = 2;

  private final String text;
  private final byte[] kinds;
  private final String[] literals;
  private final int[] refs;

  private Template(String text, byte[] kinds, String[] literals, int[] refs) {
    this.text = text;
    this.kinds = kinds;
    this.literals = literals;
    this.refs = refs;
  }

  /**
   * @param groups named groups of the route's src and their numbers
   * @param slots names captured by the route's has conditions and their slots
   */
  static Template parse(String text, Map<String, Integer> groups, Map<String, Integer> slots) {
    List<Byte> kinds = new ArrayList<>();
    List<String> literals = new ArrayList<>();
    List<Integer> refs = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int n = text.length();
    int i = 0;
    while (i < n) {
      char c = text.charAt(i);
      if (c != '$' || i + 1 >= n) {
        literal.append(c);
        i++;
        continue;
      }
      char next = text.charAt(i + 1);
      int j = i + 1;
      if (isDigit(next)) {
        while (j < n && isDigit(text.charAt(j))) {
          j++;
        }
        String digits = text.substring(i + 1, j);
        int group = digits.length() > 4 ? Integer.MAX_VALUE : Integer.parseInt(digits);
        flush(literal, kinds, literals, refs);
        kinds.add(GROUP);
        literals.add(null);
        refs.add(group);
        i = j;
        continue;
      }
      if (isNameStart(next)) {
        while (j < n && isNamePart(text.charAt(j))) {
          j++;
        }
        String name = text.substring(i + 1, j);
        Integer slot = slots.get(name);
        Integer group = groups.get(name);
        if (slot != null || group != null) {
          flush(literal, kinds, literals, refs);
          kinds.add(slot != null ? SLOT : GROUP);
          literals.add(null);
          refs.add(slot != null ? slot : group);
        } else {
          literal.append(text, i, j);
        }
        i = j;
        continue;
      }
      literal.append(c);
      i++;
    }
    flush(literal, kinds, literals, refs);
    byte[] k = new byte[kinds.size()];
    int[] r = new int[refs.size()];
    for (int x = 0; x < k.length; x++) {
      k[x] = kinds.get(x);
      r[x] = refs.get(x);
    }
    return new Template(text, k, literals.toArray(String[]::new), r);
  }

  private static void flush(StringBuilder literal, List<Byte> kinds, List<String> literals, List<Integer> refs) {
    if (literal.length() > 0) {
      kinds.add(LITERAL);
      literals.add(literal.toString());
      refs.add(-1);
      literal.setLength(0);
    }
  }

  /** The template as written. */
  String text() {
    return text;
  }

  /** True when the template has no references: {@link #render} returns the text as is. */
  boolean isConstant() {
    return kinds.length == 0 || kinds.length == 1 && kinds[0] == LITERAL;
  }

  /** True when the first part is a reference rather than literal text. */
  boolean startsWithReference() {
    return kinds.length > 0 && kinds[0] != LITERAL;
  }

  /** The literal text the template starts with ({@code ""} if it starts with a reference). */
  String leadingLiteral() {
    return kinds.length > 0 && kinds[0] == LITERAL ? literals[0] : "";
  }

  /**
   * @param match the src match (groups beyond its count render empty)
   * @param slots values captured by has conditions, may be null when the route has none
   * @param encode percent-encode the inserted values (for URLs); literal text is kept as written
   */
  String render(Matcher match, String[] slots, boolean encode) {
    if (isConstant()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 32);
    for (int i = 0; i < kinds.length; i++) {
      switch (kinds[i]) {
        case LITERAL -> out.append(literals[i]);
        case GROUP -> append(out, group(match, refs[i]), encode);
        default -> append(out, slots == null ? null : slots[refs[i]], encode);
      }
    }
    return out.toString();
  }

  private static String group(Matcher match, int group) {
    if (match == null || group > match.groupCount()) {
      return null;
    }
    return match.group(group);
  }

  private static void append(StringBuilder out, String value, boolean encode) {
    if (value == null) {
      return;
    }
    if (encode) {
      Urls.encodeInto(out, value);
    } else {
      out.append(value);
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isNameStart(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
  }

  private static boolean isNamePart(char c) {
    return isNameStart(c) || isDigit(c);
  }

  @Override
  public String toString() {
    return text;
  }
}
