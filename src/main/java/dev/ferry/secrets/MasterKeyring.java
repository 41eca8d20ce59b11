package dev.ferry.secrets;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The master keys that wrap the per-project data keys: the current one (new data keys are wrapped with it) and
 * retired ones (still able to unwrap what they wrapped, until everything is re-wrapped). A key's id is derived
 * from the key itself, so every node computes the same id for the same key without further configuration.
 */
public final class MasterKeyring {

  public static final String ENV_VARIABLE = "FERRY_MASTER_KEY";
  public static final String KEY_FILE = "master.key";
  public static final int KEY_BYTES = 32;

  private final String currentKeyId;
  private final Map<String, SecretKey> keys;

  private MasterKeyring(String currentKeyId, Map<String, SecretKey> keys) {
    this.currentKeyId = currentKeyId;
    this.keys = Collections.unmodifiableMap(keys);
  }

  public static MasterKeyring of(byte[] currentKey) {
    SecretKey key = aesKey(currentKey);
    String id = keyId(currentKey);
    Map<String, SecretKey> keys = new LinkedHashMap<>();
    keys.put(id, key);
    return new MasterKeyring(id, keys);
  }

  public static MasterKeyring fromBase64(String base64) {
    try {
      return of(Base64.getDecoder().decode(base64.strip()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("A master key must be the base64 of " + KEY_BYTES + " random bytes", e);
    }
  }

  /**
   * {@code FERRY_MASTER_KEY} (base64 of 32 bytes) when given — production, where all nodes share it — else
   * {@code <dataDir>/keys/master.key}, created with mode 0600 on the first start of the embedded default.
   */
  public static MasterKeyring loadOrCreate(Path dataDir, Optional<String> base64FromEnv) {
    if (base64FromEnv.isPresent() && !base64FromEnv.get().isBlank()) {
      return fromBase64(base64FromEnv.get());
    }
    return of(KeyFiles.loadOrCreate(dataDir, KEY_FILE, KEY_BYTES));
  }

  /** This ring, able to unwrap with {@code older}'s keys too (rotation: the new key is current, old ones retired). */
  public MasterKeyring withRetired(MasterKeyring older) {
    Map<String, SecretKey> merged = new LinkedHashMap<>(keys);
    older.keys.forEach(merged::putIfAbsent);
    return new MasterKeyring(currentKeyId, merged);
  }

  public String currentKeyId() {
    return currentKeyId;
  }

  public Set<String> keyIds() {
    return keys.keySet();
  }

  SecretKey currentKey() {
    return keys.get(currentKeyId);
  }

  Optional<SecretKey> key(String keyId) {
    return Optional.ofNullable(keys.get(keyId));
  }

  /** {@code mk-} and 16 hex digits of a domain-separated SHA-256 of the key: identifies it, reveals nothing. */
  public static String keyId(byte[] key) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      sha256.update("ferry/master-key-id/v1\0".getBytes(StandardCharsets.US_ASCII));
      return "mk-" + HexFormat.of().formatHex(sha256.digest(key), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java platform has SHA-256", e);
    }
  }

  private static SecretKey aesKey(byte[] key) {
    if (key == null || key.length != KEY_BYTES) {
      throw new IllegalArgumentException("A master key must have exactly " + KEY_BYTES + " bytes (AES-256)");
    }
    return new SecretKeySpec(key, "AES");
  }

  @Override
  public String toString() {
    return "MasterKeyring[current=" + currentKeyId + ", keys=" + keys.keySet() + "]";
  }
}
