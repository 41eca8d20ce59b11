package dev.ferry.secrets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The master keys that wrap the per-project data keys: the current one (new data keys are wrapped with it) and
 * retired ones (still able to unwrap what they wrapped, until everything is re-wrapped). A key's id is derived
 * from the key itself, so every node computes the same id for the same key without further configuration.
 *
 * <p>Where keys come from: {@code FERRY_MASTER_KEY} (current) and {@code FERRY_MASTER_KEY_RETIRED} (retired, comma
 * separated) in the environment; in the embedded default {@code <dataDir>/keys/master.key} (current) and
 * {@code keys/master-retired-<id>.key} (retired), which {@link #rotateKeyFile} maintains.
 */
public final class MasterKeyring {

  public static final String ENV_VARIABLE = "FERRY_MASTER_KEY";
  public static final String RETIRED_ENV_VARIABLE = "FERRY_MASTER_KEY_RETIRED";
  public static final String KEY_FILE = "master.key";
  static final String RETIRED_FILE_PREFIX = "master-retired-";
  static final String RETIRED_FILE_SUFFIX = ".key";
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
    return loadOrCreate(dataDir, base64FromEnv, List.of());
  }

  /**
   * The current key as above, plus retired keys: {@code retiredBase64FromEnv} ({@code FERRY_MASTER_KEY_RETIRED}) and
   * every retired key file. When the current key comes from the environment, key files found in the data directory
   * are retired keys too (a node moved from the embedded default to an environment key keeps reading its data).
   */
  public static MasterKeyring loadOrCreate(Path dataDir, Optional<String> base64FromEnv,
      List<String> retiredBase64FromEnv) {
    boolean fromEnv = base64FromEnv.isPresent() && !base64FromEnv.get().isBlank();
    MasterKeyring ring = fromEnv
        ? fromBase64(base64FromEnv.get())
        : of(KeyFiles.loadOrCreate(dataDir, KEY_FILE, KEY_BYTES));
    for (String retired : retiredBase64FromEnv) {
      if (!retired.isBlank()) {
        ring = ring.withRetired(fromBase64(retired));
      }
    }
    Path currentFile = dataDir.resolve(KeyFiles.DIRECTORY).resolve(KEY_FILE);
    if (fromEnv && Files.exists(currentFile)) {
      ring = ring.withRetired(of(KeyFiles.read(currentFile)));
    }
    for (Path retiredFile : retiredFiles(dataDir)) {
      ring = ring.withRetired(of(KeyFiles.read(retiredFile)));
    }
    return ring;
  }

  /** What {@link #rotateKeyFile} did. */
  public record Rotation(String retiredKeyId, String currentKeyId, Path retiredFile) {}

  /**
   * Rotates the embedded default's key file: the current key is first kept as {@code keys/master-retired-<id>.key},
   * then {@code keys/master.key} is replaced by a new random key. A crash in between leaves the old key current and
   * also retired, which is harmless. Data keys are re-wrapped by the next node start, not here.
   */
  public static Rotation rotateKeyFile(Path dataDir) {
    Path keys = dataDir.resolve(KeyFiles.DIRECTORY);
    Path currentFile = keys.resolve(KEY_FILE);
    if (!Files.exists(currentFile)) {
      throw new IllegalStateException("There is no master key at " + currentFile + " to rotate (a node creates it "
          + "on its first start)");
    }
    byte[] old = KeyFiles.read(currentFile);
    byte[] fresh = KeyFiles.random(KEY_BYTES);
    try {
      String oldId = keyId(old);
      Path retiredFile = keys.resolve(RETIRED_FILE_PREFIX + oldId + RETIRED_FILE_SUFFIX);
      if (!Files.exists(retiredFile)) {
        KeyFiles.createNew(retiredFile, old);
      }
      if (!Arrays.equals(KeyFiles.read(retiredFile), old)) {
        throw new IllegalStateException(retiredFile + " does not hold the current master key; nothing was changed");
      }
      KeyFiles.replace(currentFile, fresh);
      return new Rotation(oldId, keyId(fresh), retiredFile);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot rotate the master key in " + keys, e);
    } finally {
      Arrays.fill(old, (byte) 0);
      Arrays.fill(fresh, (byte) 0);
    }
  }

  private static List<Path> retiredFiles(Path dataDir) {
    Path keys = dataDir.resolve(KeyFiles.DIRECTORY);
    if (!Files.isDirectory(keys)) {
      return List.of();
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(keys,
        RETIRED_FILE_PREFIX + "*" + RETIRED_FILE_SUFFIX)) {
      List<Path> found = new ArrayList<>();
      files.forEach(found::add);
      found.sort(null);
      return found;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the retired master keys in " + keys, e);
    }
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
