package dev.ferry.edge;

import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.headers.AcceptEncoding;
import org.apache.pekko.http.javadsl.model.headers.HttpEncodingRange;
import org.apache.pekko.http.scaladsl.model.headers.HttpEncoding;

/**
 * Picks the stored representation a client accepts best: brotli, then gzip, then the file as it is, by the q-values
 * of its {@code Accept-Encoding} (RFC 9110 §12.5.3). A coding listed with {@code q=0}, or left out while {@code *}
 * is not offered, is never chosen; the identity coding is the fallback even when the client refused it, as the RFC
 * allows.
 */
final class ContentCodings {

  static final int IDENTITY = 0;
  static final int GZIP = 1;
  static final int BR = 2;

  private static final HttpEncoding BROTLI = HttpEncoding.custom("br");
  private static final HttpEncoding GZIP_CODING = HttpEncoding.custom("gzip");
  private static final HttpEncoding X_GZIP = HttpEncoding.custom("x-gzip");
  private static final HttpEncoding IDENTITY_CODING = HttpEncoding.custom("identity");
  /** Matched only by the {@code *} range, so it tells the wildcard from named codings. */
  private static final HttpEncoding UNNAMED = HttpEncoding.custom("x-ferry-unnamed");

  private ContentCodings() {}

  /**
   * @param acceptEncoding the request's Accept-Encoding header, or {@code null} when it has none
   * @return {@link #BR}, {@link #GZIP} or {@link #IDENTITY}; a compressed coding only when that variant exists
   */
  static int choose(HttpHeader acceptEncoding, boolean hasGzip, boolean hasBr) {
    if (acceptEncoding == null || !(hasGzip || hasBr) || !(acceptEncoding instanceof AcceptEncoding accepted)) {
      return IDENTITY;
    }
    float br = -1;
    float gzip = -1;
    float identity = -1;
    float any = -1;
    for (HttpEncodingRange range : accepted.getEncodings()) {
      float q = range.qValue();
      if (range.matches(UNNAMED)) {
        any = q;
      } else if (range.matches(BROTLI)) {
        br = q;
      } else if (range.matches(GZIP_CODING) || range.matches(X_GZIP)) {
        gzip = Math.max(gzip, q);
      } else if (range.matches(IDENTITY_CODING)) {
        identity = q;
      }
    }
    float qBr = hasBr ? (br >= 0 ? br : Math.max(any, 0)) : 0;
    float qGzip = hasGzip ? (gzip >= 0 ? gzip : Math.max(any, 0)) : 0;
    // The file as it is competes only when named; otherwise it is the fallback.
    float qIdentity = Math.max(identity, 0);
    if (qBr > 0 && qBr >= qGzip && qBr >= qIdentity) {
      return BR;
    }
    if (qGzip > 0 && qGzip >= qIdentity) {
      return GZIP;
    }
    return IDENTITY;
  }
}
