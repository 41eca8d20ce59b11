package dev.ferry.edge;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The path of an edge request, decoded once and checked to be a clean absolute path.
 *
 * <p>Parsed from the raw request-target rather than Pekko's {@code Uri}: Pekko already removes dot
 * segments and decodes {@code %2f} inside a segment, so its parsed path can no longer show that the
 * client sent {@code ..} or an encoded slash.
 */
public final class RequestPath {

  private static final String INDEX = "index.html";

  /** Decoded, without the leading slash: {@code ""} for the root, {@code "docs/"}, {@code "a b.txt"}. */
  private final String path;

  private RequestPath(String path) {
    this.path = path;
  }

  /**
   * @param rawTarget the request-target as sent, e.g. {@code "/docs/?q=1"} or {@code "http://host/x"}
   * @return empty when the path is not clean: {@code .}/{@code ..} segments (raw or percent-encoded),
   *     backslashes, NUL or other control characters, encoded slashes, malformed escapes or UTF-8
   */
  public static Optional<RequestPath> parse(String rawTarget) {
    String rawPath = withoutOriginAndQuery(rawTarget);
    if (!rawPath.startsWith("/")) {
      return Optional.empty();
    }
    String[] rawSegments = rawPath.substring(1).split("/", -1);
    List<String> segments = new ArrayList<>(rawSegments.length);
    for (String rawSegment : rawSegments) {
      Optional<String> segment = decodeSegment(rawSegment);
      if (segment.isEmpty() || !isCleanSegment(segment.get())) {
        return Optional.empty();
      }
      segments.add(segment.get());
    }
    return Optional.of(new RequestPath(String.join("/", segments)));
  }

  /** The decoded path without leading slash; {@code ""} for the root. */
  public String path() {
    return path;
  }

  /** Manifest keys to try, in order: {@code "/"} → index.html, {@code "/x/"} → x/index.html, {@code "/x"} → x, x/index.html. */
  public List<String> manifestCandidates() {
    if (path.isEmpty()) {
      return List.of(INDEX);
    }
    if (path.endsWith("/")) {
      return List.of(path + INDEX);
    }
    return List.of(path, path + "/" + INDEX);
  }

  @Override
  public String toString() {
    return "/" + path;
  }

  private static String withoutOriginAndQuery(String target) {
    String path = target;
    int schemeEnd = path.indexOf("://");
    if (!path.startsWith("/") && schemeEnd > 0) {
      // absolute-form (sent to proxies): keep only the path
      int pathStart = path.indexOf('/', schemeEnd + 3);
      path = pathStart < 0 ? "/" : path.substring(pathStart);
    }
    int end = path.length();
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    return path.substring(0, end);
  }

  private static Optional<String> decodeSegment(String raw) {
    if (raw.indexOf('%') < 0) {
      return allVisibleAscii(raw) ? Optional.of(raw) : Optional.empty();
    }
    ByteBuffer bytes = ByteBuffer.allocate(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
        int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
        if (lo < 0) {
          return Optional.empty();
        }
        bytes.put((byte) (hi * 16 + lo));
        i += 2;
      } else if (isVisibleAscii(c)) {
        bytes.put((byte) c);
      } else {
        return Optional.empty();
      }
    }
    bytes.flip();
    try {
      return Optional.of(StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes)
          .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  private static boolean isCleanSegment(String segment) {
    if (segment.equals(".") || segment.equals("..")) {
      return false;
    }
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (c == '/' || c == '\\' || Character.isISOControl(c)) {
        return false;
      }
    }
    return true;
  }

  private static boolean allVisibleAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (!isVisibleAscii(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isVisibleAscii(char c) {
    return c > 0x20 && c < 0x7f;
  }
}
