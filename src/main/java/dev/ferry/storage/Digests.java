package dev.ferry.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** SHA-256 as lower-case hex, the key format of the blob store. */
public final class Digests {

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final HexFormat HEX = HexFormat.of();

  private Digests() {}

  public static String sha256(Path file) throws IOException {
    MessageDigest digest = newSha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HEX.formatHex(digest.digest());
  }

  public static String sha256(byte[] data) {
    return HEX.formatHex(newSha256().digest(data));
  }

  public static boolean isSha256Hex(String value) {
    return value != null && SHA256_HEX.matcher(value).matches();
  }

  static String hex(byte[] digest) {
    return HEX.formatHex(digest);
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }
}
