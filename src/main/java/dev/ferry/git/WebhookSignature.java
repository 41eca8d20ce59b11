package dev.ferry.git;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GitHub's {@code X-Hub-Signature-256}: {@code sha256=} and the hex HMAC-SHA256 of the raw request body under the
 * webhook's secret. Checked over the bytes as they arrived, before anything parses them, and compared in constant
 * time.
 */
public final class WebhookSignature {

  public static final String HEADER = "X-Hub-Signature-256";
  private static final String PREFIX = "sha256=";
  private static final int HEX_LENGTH = 64;

  private WebhookSignature() {}

  /** Whether {@code header} is the signature of {@code body} under {@code secret}; false for any malformed header. */
  public static boolean verify(String secret, byte[] body, String header) {
    if (secret == null || secret.isEmpty() || header == null) {
      return false;
    }
    String value = header.strip();
    if (!value.regionMatches(true, 0, PREFIX, 0, PREFIX.length()) || value.length() != PREFIX.length() + HEX_LENGTH) {
      return false;
    }
    byte[] presented;
    try {
      presented = HexFormat.of().parseHex(value.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(hmac(secret, body), presented);
  }

  /** The header value GitHub would send for {@code body}. */
  public static String sign(String secret, byte[] body) {
    return PREFIX + HexFormat.of().formatHex(hmac(secret, body));
  }

  private static byte[] hmac(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }
}
