package dev.ferry.edge;

import org.apache.pekko.http.javadsl.model.headers.ETag;
import org.apache.pekko.http.javadsl.model.headers.EntityTag;

/** Strong entity tags derived from a file's content digest, and If-None-Match matching. */
final class ETags {

  private static final int TAG_LENGTH = 32;

  private ETags() {}

  /** The opaque tag (without quotes): the first 32 hex characters of the SHA-256, enough to be unique. */
  static String opaqueTag(String sha256) {
    return sha256.length() <= TAG_LENGTH ? sha256 : sha256.substring(0, TAG_LENGTH);
  }

  static ETag header(String opaqueTag) {
    return ETag.create(EntityTag.create(opaqueTag, false));
  }

  /**
   * Whether an If-None-Match value matches the tag, with the weak comparison RFC 9110 prescribes for
   * it: {@code *}, and {@code "tag"} or {@code W/"tag"} anywhere in a comma-separated list.
   */
  static boolean ifNoneMatchMatches(String headerValue, String opaqueTag) {
    int i = 0;
    int n = headerValue.length();
    while (i < n) {
      char c = headerValue.charAt(i);
      if (c == ' ' || c == '\t' || c == ',') {
        i++;
      } else if (c == '*') {
        return true;
      } else if (headerValue.startsWith("W/\"", i) || c == '"') {
        int open = headerValue.indexOf('"', i);
        int close = headerValue.indexOf('"', open + 1);
        if (close < 0) {
          return false;
        }
        if (headerValue.regionMatches(open + 1, opaqueTag, 0, opaqueTag.length())
            && close - open - 1 == opaqueTag.length()) {
          return true;
        }
        i = close + 1;
      } else {
        // not a tag: skip this list element
        int comma = headerValue.indexOf(',', i);
        i = comma < 0 ? n : comma + 1;
      }
    }
    return false;
  }
}
