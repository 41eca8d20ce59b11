package dev.ferry.account;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Opaque bearer tokens: refresh tokens ({@value #REFRESH_PREFIX}) and API tokens ({@value #API_TOKEN_PREFIX}).
 *
 * <p>Format: {@code <prefix><account locator>.<secret>}, all URL-safe. The locator is the base64url account id
 * (the normalized e-mail), so the API can route a presented token to its Account entity without a lookup table;
 * the secret is 256 random bits. The prefix makes leaked tokens recognizable to secret scanners. Only
 * {@link #sha256Hex} of the whole token is ever stored: the token has enough entropy that a fast hash is safe
 * (no dictionary to attack), unlike a password.
 */
public final class OpaqueTokens {

  public static final String REFRESH_PREFIX = "ferry_rt_";
  public static final String API_TOKEN_PREFIX = "ferry_pat_";

  /** Longer tokens are rejected before any decoding, so a huge header costs nothing. */
  static final int MAX_TOKEN_LENGTH = 512;
  private static final int SECRET_BYTES = 32;
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern URL_SAFE = Pattern.compile("[A-Za-z0-9_-]+");

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private OpaqueTokens() {}

  public static String newRefreshToken(String accountId) {
    return newToken(REFRESH_PREFIX, accountId);
  }

  public static String newApiToken(String accountId) {
    return newToken(API_TOKEN_PREFIX, accountId);
  }

  public static String newToken(String prefix, String accountId) {
    return prefix + BASE64URL.encodeToString(accountId.getBytes(StandardCharsets.UTF_8)) + "." + randomUrlSafe(SECRET_BYTES);
  }

  /** {@code bytes} random bytes, base64url without padding. */
  public static String randomUrlSafe(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return BASE64URL.encodeToString(random);
  }

  /** The account id a well-formed token of the given kind names, or empty for anything else. */
  public static Optional<String> accountId(String token, String expectedPrefix) {
    if (token == null || token.length() > MAX_TOKEN_LENGTH || !token.startsWith(expectedPrefix)) {
      return Optional.empty();
    }
    String body = token.substring(expectedPrefix.length());
    int dot = body.indexOf('.');
    if (dot <= 0 || dot != body.lastIndexOf('.')) {
      return Optional.empty();
    }
    String locator = body.substring(0, dot);
    String secret = body.substring(dot + 1);
    if (!URL_SAFE.matcher(locator).matches() || !URL_SAFE.matcher(secret).matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new String(Base64.getUrlDecoder().decode(locator), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The form a token is stored in: lower-case hex SHA-256 of its UTF-8 bytes. */
  public static String sha256Hex(String token) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java platform has SHA-256", e);
    }
  }

  public static boolean isSha256Hex(String value) {
    return value != null && SHA256_HEX.matcher(value).matches();
  }

  /** Compares in time independent of where the inputs differ (their lengths may leak; hashes have one length). */
  public static boolean constantTimeEquals(String a, String b) {
    if (a == null || b == null) {
      return false;
    }
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
