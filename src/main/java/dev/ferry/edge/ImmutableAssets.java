package dev.ferry.edge;

import java.util.Locale;
import java.util.Set;

/**
 * Tells content-hashed build assets (whose URL changes whenever their bytes do) from other files, so the edge can
 * let browsers cache them for a year without revalidating.
 *
 * <p>A path is immutable when it is not an HTML page and either lies in a tree that bundlers fill only with hashed
 * names ({@code _next/static/}, SvelteKit's {@code _app/immutable/}) or its file name carries a hash:
 * <ul>
 *   <li>a dot-separated part of 8+ hex digits with at least one digit and one letter: {@code app.3f9a1c2b.js},
 *       {@code main.3f9a1c2b.chunk.css} (webpack, Create React App, Parcel, Hugo fingerprints);
 *   <li>a part of 8+ URL-safe base64 characters mixing upper case, lower case and digits back and forth:
 *       {@code index.B1a2c3D4.css} (Astro), or such a part after the last {@code -} of a name: {@code
 *       index-BxK9_a2Q.js} (Vite, Rollup);
 *   <li>in Vite's, Astro's and Nuxt's asset folders ({@code assets/}, {@code _astro/}, {@code _nuxt/}), also an
 *       8-character base64 suffix without digits that switches case often ({@code index-DkzRtPqa.js}).
 * </ul>
 * Plain words, versions and dates ({@code jquery-3.7.1.min.js}, {@code report-20240101.css}, {@code Windows10.png})
 * are not hashes: those
 * files may change behind the same URL, so they are revalidated. The rules run once per file per deployment (the
 * edge memoizes the outcome), without regular expressions.
 */
public final class ImmutableAssets {

  private static final int MIN_HASH_LENGTH = 8;
  private static final String[] IMMUTABLE_TREES = {"_next/static/", "_app/immutable/"};
  private static final Set<String> HASHED_ASSET_FOLDERS = Set.of("assets", "_astro", "_nuxt");

  private ImmutableAssets() {}

  /** @param path a manifest path without leading slash, e.g. {@code "assets/index-BxK9_a2Q.js"} */
  public static boolean isImmutable(String path) {
    int slash = path.lastIndexOf('/');
    String name = path.substring(slash + 1);
    int extensionDot = name.lastIndexOf('.');
    if (extensionDot <= 0 || isHtml(name.substring(extensionDot + 1))) {
      return false;
    }
    for (String tree : IMMUTABLE_TREES) {
      if (path.startsWith(tree) || path.contains("/" + tree)) {
        return true;
      }
    }
    boolean relaxed = slash > 0 && HASHED_ASSET_FOLDERS.contains(parentFolder(path, slash));
    String stem = name.substring(0, extensionDot);
    int start = 0;
    while (start <= stem.length()) {
      int dot = stem.indexOf('.', start);
      int end = dot < 0 ? stem.length() : dot;
      if (end > start && partHasHash(stem, start, end, relaxed)) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }

  private static boolean partHasHash(String stem, int start, int end, boolean relaxed) {
    // Each '-'-separated piece: "app.3f9a1c2b", "chunk-5f3e2a1b", "main.B1a2c3D4".
    int pieceStart = start;
    for (int i = start; i <= end; i++) {
      if (i == end || stem.charAt(i) == '-') {
        if (isHash(stem, pieceStart, i, false)) {
          return true;
        }
        pieceStart = i + 1;
      }
    }
    // Vite/Rollup "[name]-[hash]": the hash may itself contain '-', so also try the last 8 characters after a '-'.
    int suffixStart = end - MIN_HASH_LENGTH;
    return suffixStart - 1 > start && stem.charAt(suffixStart - 1) == '-' && isHash(stem, suffixStart, end, relaxed);
  }

  /** Whether {@code s[start, end)} looks like a digest rather than a word, number or version. */
  static boolean isHash(String s, int start, int end, boolean relaxed) {
    int length = end - start;
    if (length < MIN_HASH_LENGTH) {
      return false;
    }
    int digits = 0;
    int upper = 0;
    int lower = 0;
    int hexLetters = 0;
    int transitions = 0; // changes of character class between neighbours: many in digests, few in words
    int previousClass = -1;
    for (int i = start; i < end; i++) {
      char c = s.charAt(i);
      int charClass;
      if (c >= '0' && c <= '9') {
        digits++;
        charClass = 0;
      } else if (c >= 'a' && c <= 'z') {
        lower++;
        hexLetters += c <= 'f' ? 1 : 0;
        charClass = 1;
      } else if (c >= 'A' && c <= 'Z') {
        upper++;
        hexLetters += c <= 'F' ? 1 : 0;
        charClass = 2;
      } else if (c == '_' || c == '-') {
        charClass = 3;
      } else {
        return false;
      }
      if (previousClass >= 0 && charClass != previousClass) {
        transitions++;
      }
      previousClass = charClass;
    }
    boolean hex = digits + hexLetters == length && (upper == 0 || lower == 0);
    if (hex) {
      return digits > 0 && hexLetters > 0;
    }
    if (digits > 0 && upper > 0 && lower > 0 && transitions >= 3) {
      return true;
    }
    // Assets folders: an 8-character Rollup hash without digits still mixes cases many times over.
    return relaxed && length == MIN_HASH_LENGTH && upper >= 2 && lower >= 2 && transitions >= 3;
  }

  private static String parentFolder(String path, int slash) {
    int previous = path.lastIndexOf('/', slash - 1);
    return path.substring(previous + 1, slash);
  }

  private static boolean isHtml(String extension) {
    String lower = extension.toLowerCase(Locale.ROOT);
    return lower.equals("html") || lower.equals("htm");
  }
}
