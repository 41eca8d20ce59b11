package dev.ferry.output;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Percent-encoding and query helpers for destinations and redirect locations. */
final class Urls {

  private Urls() {}

  /** Vercel's test for an external destination: {@code http://} or {@code https://}, any case. */
  static boolean isExternal(String url) {
    return url.regionMatches(true, 0, "https://", 0, 8) || url.regionMatches(true, 0, "http://", 0, 7);
  }

  /**
   * Appends {@code value} percent-encoded so that it stays one piece of a URL path or query value:
   * unreserved characters, {@code /} and {@code !$'()*,;:@} are kept, everything else (space,
   * {@code ?#&=+%}, non-ASCII as UTF-8) is encoded.
   */
  static void encodeInto(StringBuilder out, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (isKept(c)) {
        out.append(c);
      } else {
        int cp = value.codePointAt(i);
        if (Character.isSupplementaryCodePoint(cp)) {
          i++;
        }
        for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
          out.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
        }
      }
    }
  }

  static String encode(String value) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    encodeInto(out, value);
    return out.toString();
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private static boolean isKept(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
        || "-._~/!$'()*,;:@".indexOf(c) >= 0;
  }

  /**
   * Decodes percent-escapes as UTF-8; {@code plusIsSpace} for query components. Text that is not
   * valid percent-encoded UTF-8 is returned as written.
   */
  static String decode(String s, boolean plusIsSpace) {
    if (s.indexOf('%') < 0 && !(plusIsSpace && s.indexOf('+') >= 0)) {
      return s;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi >= 0 && lo >= 0) {
          bytes.write(hi * 16 + lo);
          i += 2;
          continue;
        }
      }
      if (c == '+' && plusIsSpace) {
        bytes.write(' ');
      } else if (c < 0x80) {
        bytes.write(c);
      } else {
        byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
          encoded = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
          i++;
        }
        bytes.write(encoded, 0, encoded.length);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      return s;
    }
  }

  /** A query string (without {@code ?}) as decoded key/value pairs, in order. */
  static List<String[]> parseQuery(String query) {
    List<String[]> pairs = new ArrayList<>();
    if (query.isEmpty()) {
      return pairs;
    }
    for (String part : query.split("&", -1)) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String key = eq < 0 ? part : part.substring(0, eq);
      String value = eq < 0 ? "" : part.substring(eq + 1);
      pairs.add(new String[] {decode(key, true), decode(value, true)});
    }
    return pairs;
  }

  /**
   * Adds to {@code url} (absolute or a path, with or without query and fragment) every parameter
   * of {@code query} whose key the URL's own query does not have: the URL's parameters win.
   */
  static String withQuery(String url, Map<String, List<String>> query) {
    if (query.isEmpty()) {
      return url;
    }
    int hash = url.indexOf('#');
    String base = hash < 0 ? url : url.substring(0, hash);
    String fragment = hash < 0 ? "" : url.substring(hash);
    int q = base.indexOf('?');
    Set<String> own = new HashSet<>();
    if (q >= 0) {
      for (String[] pair : parseQuery(base.substring(q + 1))) {
        own.add(pair[0]);
      }
    }
    StringBuilder out = new StringBuilder(base);
    boolean needQuestionMark = q < 0;
    for (Map.Entry<String, List<String>> e : query.entrySet()) {
      if (own.contains(e.getKey())) {
        continue;
      }
      for (String value : e.getValue()) {
        if (needQuestionMark) {
          out.append('?');
          needQuestionMark = false;
        } else {
          char last = out.charAt(out.length() - 1);
          if (last != '?' && last != '&') {
            out.append('&');
          }
        }
        encodeInto(out, e.getKey());
        out.append('=');
        encodeInto(out, value);
      }
    }
    return out.append(fragment).toString();
  }

  /**
   * Percent-encodes what cannot appear in a URL as is (controls, space, non-ASCII as UTF-8 and
   * {@code "<>\^`{|}}); everything else, {@code %} included, is kept.
   */
  static String sanitize(String url) {
    if (url == null) {
      return "";
    }
    int i = 0;
    while (i < url.length() && isUrlChar(url.charAt(i))) {
      i++;
    }
    if (i == url.length()) {
      return url;
    }
    StringBuilder out = new StringBuilder(url.length() + 16).append(url, 0, i);
    for (; i < url.length(); i++) {
      char c = url.charAt(i);
      if (isUrlChar(c)) {
        out.append(c);
        continue;
      }
      int cp = url.codePointAt(i);
      if (Character.isSupplementaryCodePoint(cp)) {
        i++;
      }
      for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
        out.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
      }
    }
    return out.toString();
  }

  private static boolean isUrlChar(char c) {
    return c > 0x20 && c < 0x7f && "\"<>\\^`{|}".indexOf(c) < 0;
  }

  /**
   * Resolves {@code .} and {@code ..} segments of an absolute path (RFC 3986, 5.2.4), never above
   * the root, so a destination built from captured values cannot leave the deployment.
   */
  static String removeDotSegments(String path) {
    if (path.indexOf('.') < 0 && path.indexOf('\\') < 0) {
      return path;
    }
    String p = path.replace('\\', '/');
    if (!p.contains("/.") && !p.startsWith(".")) {
      return p;
    }
    String[] segments = p.split("/", -1);
    List<String> out = new ArrayList<>(segments.length);
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      boolean last = i == segments.length - 1;
      if (s.equals(".")) {
        if (last) {
          out.add("");
        }
      } else if (s.equals("..")) {
        if (out.size() > 1) {
          out.remove(out.size() - 1);
        }
        if (last) {
          out.add("");
        }
      } else {
        out.add(s);
      }
    }
    String joined = String.join("/", out);
    return joined.startsWith("/") ? joined : "/" + joined;
  }
}
