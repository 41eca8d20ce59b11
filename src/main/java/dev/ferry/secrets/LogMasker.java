package dev.ferry.secrets;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Masks the values of secret variables in build and function log lines: every occurrence becomes {@value #MASK}.
 *
 * <p>Besides the value itself it masks the forms a build script is likely to print: standard and URL-safe base64
 * (with and without padding), URL encoding ({@code +} and {@code %20} for spaces), JSON string escaping, and each
 * line of a multi-line value (PEM keys), since logs arrive line by line. A secret encoded as part of a longer value
 * (base64 of {@code user:password}) cannot be recognized.
 *
 * <p>Values shorter than {@value #MIN_SECRET_LENGTH} characters are not masked: masking "1" or "on" would blank out
 * every digit and half the words of a log while hiding nothing an attacker could not guess. (Vercel masks every
 * value; three characters is the compromise here.) Overlapping matches are masked as one run, so no fragment of a
 * secret stays visible between two masks.
 *
 * <p>Matching is one pass of an Aho–Corasick automaton over the line, so the cost per line does not grow with the
 * number of secrets. Instances are immutable and thread-safe.
 */
public final class LogMasker {

  public static final String MASK = "***";
  public static final int MIN_SECRET_LENGTH = 3;
  public static final LogMasker NONE = new LogMasker(List.of());

  private final Automaton automaton;

  public LogMasker(Collection<String> secretValues) {
    Set<String> patterns = new LinkedHashSet<>();
    for (String secret : secretValues) {
      patterns.addAll(variants(secret));
    }
    this.automaton = patterns.isEmpty() ? null : new Automaton(patterns);
  }

  public boolean masksNothing() {
    return automaton == null;
  }

  public String mask(String line) {
    if (automaton == null || line == null || line.isEmpty()) {
      return line;
    }
    List<int[]> runs = automaton.matchedRuns(line);
    if (runs.isEmpty()) {
      return line;
    }
    StringBuilder masked = new StringBuilder(line.length());
    int position = 0;
    for (int[] run : runs) {
      masked.append(line, position, run[0]).append(MASK);
      position = run[1];
    }
    return masked.append(line, position, line.length()).toString();
  }

  /** The strings masked for one secret value; empty when the value is too short to mask. */
  static Set<String> variants(String secret) {
    Set<String> variants = new LinkedHashSet<>();
    if (secret == null || secret.length() < MIN_SECRET_LENGTH) {
      return variants;
    }
    variants.add(secret);
    for (String line : secret.split("\\R")) {
      variants.add(line);
      variants.add(line.strip());
    }
    byte[] utf8 = secret.getBytes(StandardCharsets.UTF_8);
    variants.add(Base64.getEncoder().encodeToString(utf8));
    variants.add(Base64.getEncoder().withoutPadding().encodeToString(utf8));
    variants.add(Base64.getUrlEncoder().encodeToString(utf8));
    variants.add(Base64.getUrlEncoder().withoutPadding().encodeToString(utf8));
    String formEncoded = URLEncoder.encode(secret, StandardCharsets.UTF_8);
    variants.add(formEncoded);
    variants.add(formEncoded.replace("+", "%20"));
    variants.add(jsonEscaped(secret));
    variants.removeIf(variant -> variant.length() < MIN_SECRET_LENGTH);
    return variants;
  }

  private static String jsonEscaped(String value) {
    StringBuilder escaped = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> escaped.append("\\\"");
        case '\\' -> escaped.append("\\\\");
        case '\n' -> escaped.append("\\n");
        case '\r' -> escaped.append("\\r");
        case '\t' -> escaped.append("\\t");
        default -> {
          if (c < 0x20) {
            escaped.append(String.format("\\u%04x", (int) c));
          } else {
            escaped.append(c);
          }
        }
      }
    }
    return escaped.toString();
  }

  /** Aho–Corasick over chars; each state knows the longest pattern that ends there (directly or by suffix). */
  private static final class Automaton {

    private static final int ROOT = 0;

    private final Map<Long, Integer> transitions = new HashMap<>();
    private final int[] failure;
    private final int[] longestMatch;

    Automaton(Collection<String> patterns) {
      List<Integer> ownLength = new ArrayList<>(List.of(0));
      List<List<Character>> children = new ArrayList<>();
      children.add(new ArrayList<>());
      for (String pattern : patterns) {
        int state = ROOT;
        for (int i = 0; i < pattern.length(); i++) {
          char c = pattern.charAt(i);
          Integer next = transitions.get(key(state, c));
          if (next == null) {
            next = ownLength.size();
            ownLength.add(0);
            children.add(new ArrayList<>());
            children.get(state).add(c);
            transitions.put(key(state, c), next);
          }
          state = next;
        }
        ownLength.set(state, pattern.length());
      }
      failure = new int[ownLength.size()];
      longestMatch = new int[ownLength.size()];
      linkFailures(ownLength, children);
    }

    /** Breadth-first, so a state's failure target (a shorter suffix) is complete before the state itself. */
    private void linkFailures(List<Integer> ownLength, List<List<Character>> children) {
      ArrayDeque<Integer> queue = new ArrayDeque<>();
      for (char c : children.get(ROOT)) {
        int child = transitions.get(key(ROOT, c));
        failure[child] = ROOT;
        longestMatch[child] = ownLength.get(child);
        queue.add(child);
      }
      while (!queue.isEmpty()) {
        int state = queue.poll();
        for (char c : children.get(state)) {
          int child = transitions.get(key(state, c));
          int fallback = failure[state];
          while (fallback != ROOT && !transitions.containsKey(key(fallback, c))) {
            fallback = failure[fallback];
          }
          failure[child] = transitions.getOrDefault(key(fallback, c), ROOT);
          longestMatch[child] = Math.max(ownLength.get(child), longestMatch[failure[child]]);
          queue.add(child);
        }
      }
    }

    /** Disjoint, ordered [start, end) runs of the line covered by any pattern occurrence; touching runs merge. */
    List<int[]> matchedRuns(String line) {
      List<int[]> runs = new ArrayList<>();
      int state = ROOT;
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        Integer next = transitions.get(key(state, c));
        while (next == null && state != ROOT) {
          state = failure[state];
          next = transitions.get(key(state, c));
        }
        state = next == null ? ROOT : next;
        if (longestMatch[state] > 0) {
          addRun(runs, i + 1 - longestMatch[state], i + 1);
        }
      }
      return runs;
    }

    /** Runs arrive with growing ends; a new one swallows the runs it covers and joins one it touches. */
    private static void addRun(List<int[]> runs, int start, int end) {
      while (!runs.isEmpty() && runs.get(runs.size() - 1)[0] >= start) {
        runs.remove(runs.size() - 1);
      }
      if (!runs.isEmpty() && runs.get(runs.size() - 1)[1] >= start) {
        runs.get(runs.size() - 1)[1] = end;
      } else {
        runs.add(new int[] {start, end});
      }
    }

    private static long key(int state, char c) {
      return ((long) state << 16) | c;
    }
  }
}
