package dev.ferry.account;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Password hashing with bcrypt (cost {@value #COST}) and the password policy.
 *
 * <p>bcrypt reads at most 72 bytes, so a long passphrase would be silently truncated. Ferry therefore pre-hashes
 * <em>every</em> password, whatever its length: NFC-normalized UTF-8 → HMAC-SHA256 under a fixed, Ferry-specific key
 * → base64 (44 ASCII bytes, no NUL) → bcrypt. Every password takes the same path, all 256 allowed characters count,
 * and the fixed HMAC key (a domain separator, not a secret) keeps the pre-hash from matching plain SHA-256 hashes
 * leaked elsewhere ("password shucking"). NFC makes the same password typed on different systems hash alike.
 */
public final class Passwords {

  public static final int COST = 12;
  public static final int MIN_LENGTH = 10;
  public static final int MAX_LENGTH = 256;

  private static final byte[] PREHASH_KEY = "ferry/password-prehash/v1".getBytes(StandardCharsets.US_ASCII);
  private static final BCrypt.Hasher HASHER = BCrypt.with(BCrypt.Version.VERSION_2B);
  private static final BCrypt.Verifyer VERIFYER = BCrypt.verifyer();
  private static final Pattern BCRYPT_COST = Pattern.compile("\\$2[abxy]?\\$(\\d{2})\\$.*");

  private Passwords() {}

  /** Why {@code password} is not acceptable as a new password, or empty when it is. Lengths count code points. */
  public static Optional<String> policyViolation(char[] password) {
    if (password == null) {
      return Optional.of("A password is required");
    }
    long length = CharBuffer.wrap(password).codePoints().count();
    if (length < MIN_LENGTH) {
      return Optional.of("The password must have at least " + MIN_LENGTH + " characters");
    }
    if (length > MAX_LENGTH) {
      return Optional.of("The password must have at most " + MAX_LENGTH + " characters");
    }
    if (CharBuffer.wrap(password).chars().allMatch(Character::isWhitespace)) {
      return Optional.of("The password must not be only spaces");
    }
    return Optional.empty();
  }

  /** A bcrypt hash ({@code $2b$12$...}) of a password that meets the policy. Takes a few hundred milliseconds. */
  public static String hash(char[] password) {
    policyViolation(password).ifPresent(violation -> {
      throw new IllegalArgumentException(violation);
    });
    return bcrypt(password);
  }

  /** Whether {@code password} matches {@code hash}; false for a malformed hash. */
  public static boolean verify(char[] password, String hash) {
    if (password == null || hash == null || password.length > 4 * MAX_LENGTH) {
      return false;
    }
    byte[] prehash = prehash(password);
    try {
      return VERIFYER.verify(prehash, hash.getBytes(StandardCharsets.US_ASCII)).verified;
    } catch (IllegalArgumentException e) {
      return false;
    } finally {
      Arrays.fill(prehash, (byte) 0);
    }
  }

  /**
   * Does the work of {@link #verify} against a hash nobody knows the password of, and answers false. Login calls it
   * for an unknown e-mail address, so the answer takes as long as for a known one and does not reveal which
   * addresses have accounts.
   */
  public static boolean verifyDummy(char[] password) {
    verify(password == null ? new char[0] : password, DummyHash.VALUE);
    return false;
  }

  /** Whether a hash was made with a lower cost than Ferry uses now (re-hash it at the next successful login). */
  public static boolean needsRehash(String hash) {
    Matcher matcher = hash == null ? null : BCRYPT_COST.matcher(hash);
    return matcher == null || !matcher.matches() || Integer.parseInt(matcher.group(1)) < COST;
  }

  private static String bcrypt(char[] password) {
    byte[] prehash = prehash(password);
    try {
      return new String(HASHER.hash(COST, prehash), StandardCharsets.US_ASCII);
    } finally {
      Arrays.fill(prehash, (byte) 0);
    }
  }

  private static byte[] prehash(char[] password) {
    char[] normalized = nfc(password);
    ByteBuffer utf8 = StandardCharsets.UTF_8.encode(CharBuffer.wrap(normalized));
    byte[] bytes = new byte[utf8.remaining()];
    utf8.get(bytes);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(PREHASH_KEY, "HmacSHA256"));
      return Base64.getEncoder().encode(mac.doFinal(bytes));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Every Java platform has HmacSHA256", e);
    } finally {
      Arrays.fill(bytes, (byte) 0);
      if (utf8.hasArray()) {
        Arrays.fill(utf8.array(), (byte) 0);
      }
      if (normalized != password) {
        Arrays.fill(normalized, '\0');
      }
    }
  }

  private static char[] nfc(char[] password) {
    if (Normalizer.isNormalized(CharBuffer.wrap(password), Normalizer.Form.NFC)) {
      return password;
    }
    return Normalizer.normalize(CharBuffer.wrap(password), Normalizer.Form.NFC).toCharArray();
  }

  /** Made on first use: hashing at cost 12 takes a moment, and most nodes never see a login. */
  private static final class DummyHash {
    static final String VALUE = bcrypt(OpaqueTokens.randomUrlSafe(32).toCharArray());

    private DummyHash() {}
  }
}
