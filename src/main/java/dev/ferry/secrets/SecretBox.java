package dev.ferry.secrets;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Envelope encryption of secret values (environment variables, Git tokens, private keys).
 *
 * <p>Each project has a random 256-bit data key; values are sealed with AES-256-GCM under it, and the data key is
 * stored only wrapped (AES-256-GCM again) by the current master key. Rotating the master key therefore re-wraps a
 * few dozen bytes per project instead of re-encrypting every value. Associated data binds a sealed value to where it
 * belongs (see {@link #context}): a ciphertext copied to another project or variable does not decrypt. Every seal
 * uses a fresh random 96-bit IV, the size GCM is designed for. Callers should wipe unwrapped data keys after use.
 */
public final class SecretBox {

  public static final String VERSION = "v1";
  public static final int DATA_KEY_BYTES = 32;

  private static final String CIPHER = "AES/GCM/NoPadding";
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final String WRAP_CONTEXT = "ferry/data-key/v1|";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder BASE64 = Base64.getEncoder();
  private static final Base64.Decoder BASE64_DECODER = Base64.getDecoder();

  private final MasterKeyring keyring;

  public SecretBox(MasterKeyring keyring) {
    this.keyring = keyring;
  }

  /** A fresh data key for a project, wrapped by the current master key. */
  public WrappedKey newDataKey() {
    byte[] dataKey = randomBytes(DATA_KEY_BYTES);
    try {
      return wrap(dataKey, keyring);
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
  }

  public byte[] unwrap(WrappedKey wrapped) {
    SecretKey masterKey = keyring.key(wrapped.masterKeyId()).orElseThrow(() -> new SecretBoxException(
        "Master key " + wrapped.masterKeyId() + " is not in the keyring " + keyring.keyIds()));
    byte[] sealed = decodeBase64(wrapped.wrappedBase64(), "wrapped key");
    if (sealed.length != IV_BYTES + DATA_KEY_BYTES + TAG_BITS / 8) {
      throw new SecretBoxException("A wrapped data key has the wrong length");
    }
    return gcm(Cipher.DECRYPT_MODE, masterKey, Arrays.copyOf(sealed, IV_BYTES),
        Arrays.copyOfRange(sealed, IV_BYTES, sealed.length), wrapContext(wrapped.masterKeyId()));
  }

  /** The same data key wrapped by {@code newer}'s current master key; values sealed with it stay as they are. */
  public WrappedKey rewrap(WrappedKey wrapped, MasterKeyring newer) {
    byte[] dataKey = unwrap(wrapped);
    try {
      return wrap(dataKey, newer);
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
  }

  /** Whether {@code wrapped} still uses a retired master key and should be re-wrapped. */
  public boolean needsRewrap(WrappedKey wrapped) {
    return !keyring.currentKeyId().equals(wrapped.masterKeyId());
  }

  /** {@code v1:<base64 IV>:<base64 ciphertext and tag>}. */
  public String encrypt(byte[] dataKey, String plaintext, String associatedData) {
    byte[] iv = randomBytes(IV_BYTES);
    byte[] ciphertext = gcm(Cipher.ENCRYPT_MODE, dataKey(dataKey), iv, plaintext.getBytes(StandardCharsets.UTF_8),
        associatedData);
    return VERSION + ":" + BASE64.encodeToString(iv) + ":" + BASE64.encodeToString(ciphertext);
  }

  public String decrypt(byte[] dataKey, String sealed, String associatedData) {
    String[] parts = sealed == null ? new String[0] : sealed.split(":", -1);
    if (parts.length != 3 || !VERSION.equals(parts[0])) {
      throw new SecretBoxException("Not a sealed value of version " + VERSION);
    }
    byte[] iv = decodeBase64(parts[1], "IV");
    byte[] ciphertext = decodeBase64(parts[2], "ciphertext");
    if (iv.length != IV_BYTES || ciphertext.length < TAG_BITS / 8) {
      throw new SecretBoxException("A sealed value has the wrong shape");
    }
    return new String(gcm(Cipher.DECRYPT_MODE, dataKey(dataKey), iv, ciphertext, associatedData),
        StandardCharsets.UTF_8);
  }

  /**
   * Associated data naming where a value belongs, e.g. {@code context("env", projectId, variableId)}. Each part is
   * length-prefixed, so ("a:b", "c") and ("a", "b:c") differ.
   */
  public static String context(String... parts) {
    StringBuilder context = new StringBuilder("ferry");
    for (String part : parts) {
      context.append('|').append(part.length()).append(':').append(part);
    }
    return context.toString();
  }

  private static WrappedKey wrap(byte[] dataKey, MasterKeyring target) {
    byte[] iv = randomBytes(IV_BYTES);
    byte[] ciphertext = gcm(Cipher.ENCRYPT_MODE, target.currentKey(), iv, dataKey,
        wrapContext(target.currentKeyId()));
    byte[] sealed = ByteBuffer.allocate(iv.length + ciphertext.length).put(iv).put(ciphertext).array();
    return new WrappedKey(target.currentKeyId(), BASE64.encodeToString(sealed));
  }

  private static String wrapContext(String masterKeyId) {
    return WRAP_CONTEXT + masterKeyId;
  }

  private static byte[] gcm(int mode, SecretKey key, byte[] iv, byte[] input, String associatedData) {
    if (associatedData == null) {
      throw new IllegalArgumentException("Associated data is required: it binds a value to where it belongs");
    }
    try {
      Cipher cipher = Cipher.getInstance(CIPHER);
      cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, iv));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      return cipher.doFinal(input);
    } catch (AEADBadTagException e) {
      throw new SecretBoxException("Cannot decrypt: wrong key, wrong associated data or tampered ciphertext", e);
    } catch (GeneralSecurityException e) {
      throw new SecretBoxException("AES-GCM failed", e);
    }
  }

  private static SecretKey dataKey(byte[] dataKey) {
    if (dataKey == null || dataKey.length != DATA_KEY_BYTES) {
      throw new IllegalArgumentException("A data key has " + DATA_KEY_BYTES + " bytes");
    }
    return new SecretKeySpec(dataKey, "AES");
  }

  private static byte[] decodeBase64(String value, String what) {
    if (value == null) {
      throw new SecretBoxException("The " + what + " is missing");
    }
    try {
      return BASE64_DECODER.decode(value);
    } catch (IllegalArgumentException e) {
      throw new SecretBoxException("The " + what + " is not base64", e);
    }
  }

  private static byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
