package dev.ferry.edge;

/**
 * The {@code Range} header of a request for a file of known size (RFC 9110 §14.2), for the one case worth serving:
 * a single byte range. Multiple ranges, other units and malformed values are ignored (the whole file is sent, as
 * the RFC allows); a range that starts beyond the end is unsatisfiable (416).
 */
final class ByteRanges {

  /** The outcome: {@link #IGNORE}, {@link #UNSATISFIABLE}, or a satisfiable range {@code [first, last]}. */
  record Result(long first, long last) {
    boolean satisfiable() {
      return first >= 0;
    }

    long length() {
      return last - first + 1;
    }
  }

  static final Result IGNORE = new Result(-1, -1);
  static final Result UNSATISFIABLE = new Result(-2, -2);

  private static final String BYTES = "bytes=";

  private ByteRanges() {}

  static Result parse(String value, long size) {
    String spec = value.trim();
    if (!spec.regionMatches(true, 0, BYTES, 0, BYTES.length())) {
      return IGNORE;
    }
    int start = BYTES.length();
    if (spec.indexOf(',', start) >= 0) {
      return IGNORE;
    }
    int dash = spec.indexOf('-', start);
    if (dash < 0) {
      return IGNORE;
    }
    long first = number(spec, start, dash);
    long last = number(spec, dash + 1, spec.length());
    if (first == -1) {
      // suffix range "-N": the last N bytes
      if (last < 0) {
        return IGNORE;
      }
      if (last == 0 || size == 0) {
        return UNSATISFIABLE;
      }
      return new Result(Math.max(0, size - last), size - 1);
    }
    if (first < 0 || last == -2 || (last >= 0 && last < first)) {
      return IGNORE;
    }
    if (first >= size) {
      return UNSATISFIABLE;
    }
    long end = last == -1 || last >= size ? size - 1 : last;
    return new Result(first, end);
  }

  /** The decimal number in {@code s[from, to)} (spaces around allowed); -1 when empty, -2 when not a number. */
  private static long number(String s, int from, int to) {
    while (from < to && s.charAt(from) == ' ') {
      from++;
    }
    while (to > from && s.charAt(to - 1) == ' ') {
      to--;
    }
    if (from == to) {
      return -1;
    }
    if (to - from > 18) {
      return -2;
    }
    long n = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -2;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }
}
