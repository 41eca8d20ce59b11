package dev.ferry.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MasterKeyringTest {

  @Test
  void theFirstStartCreatesAnOwnerOnlyKeyFile(@TempDir Path dataDir) throws Exception {
    MasterKeyring ring = MasterKeyring.loadOrCreate(dataDir, Optional.empty());
    Path file = dataDir.resolve("keys").resolve("master.key");

    assertTrue(Files.isRegularFile(file));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
    byte[] key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip());
    assertEquals(32, key.length);
    assertEquals(MasterKeyring.keyId(key), ring.currentKeyId());
    assertFalse(Files.exists(file.resolveSibling("master.key.tmp")));
  }

  @Test
  void laterStartsReadTheSameKey(@TempDir Path dataDir) {
    MasterKeyring first = MasterKeyring.loadOrCreate(dataDir, Optional.empty());
    WrappedKey wrapped = new SecretBox(first).newDataKey();

    MasterKeyring second = MasterKeyring.loadOrCreate(dataDir, Optional.empty());

    assertEquals(first.currentKeyId(), second.currentKeyId());
    assertEquals(32, new SecretBox(second).unwrap(wrapped).length);
  }

  @Test
  void theKeyFromTheEnvironmentIsUsedAndNoFileIsWritten(@TempDir Path dataDir) {
    byte[] key = randomBytes(32);

    MasterKeyring ring = MasterKeyring.loadOrCreate(dataDir, Optional.of(" " + Base64.getEncoder().encodeToString(key) + "\n"));

    assertEquals(MasterKeyring.keyId(key), ring.currentKeyId());
    assertFalse(Files.exists(dataDir.resolve("keys")));
    // Two nodes given the same key can read each other's data keys.
    WrappedKey wrapped = new SecretBox(ring).newDataKey();
    MasterKeyring otherNode = MasterKeyring.fromBase64(Base64.getEncoder().encodeToString(key));
    assertEquals(32, new SecretBox(otherNode).unwrap(wrapped).length);
  }

  @Test
  void aBlankEnvironmentValueFallsBackToTheFile(@TempDir Path dataDir) {
    MasterKeyring ring = MasterKeyring.loadOrCreate(dataDir, Optional.of("  "));

    assertTrue(Files.exists(dataDir.resolve("keys").resolve("master.key")));
    assertTrue(ring.currentKeyId().startsWith("mk-"));
  }

  @Test
  void aMasterKeyMustBe32BytesOfBase64() {
    assertThrows(IllegalArgumentException.class,
        () -> MasterKeyring.fromBase64(Base64.getEncoder().encodeToString(new byte[16])));
    assertThrows(IllegalArgumentException.class,
        () -> MasterKeyring.fromBase64(Base64.getEncoder().encodeToString(new byte[33])));
    assertThrows(IllegalArgumentException.class, () -> MasterKeyring.fromBase64("not base64 at all!"));
    assertThrows(IllegalArgumentException.class, () -> MasterKeyring.of(null));
  }

  @Test
  void aCorruptKeyFileFailsLoudlyInsteadOfBeingReplaced(@TempDir Path dataDir) throws Exception {
    Path file = dataDir.resolve("keys").resolve("master.key");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "#### not base64 ####");

    assertThrows(IllegalStateException.class, () -> MasterKeyring.loadOrCreate(dataDir, Optional.empty()));
    assertEquals("#### not base64 ####", Files.readString(file));
  }

  @Test
  void keyIdsAreStableAndDistinctAndRevealNothing() {
    byte[] key = randomBytes(32);
    String id = MasterKeyring.keyId(key);

    assertTrue(id.matches("mk-[0-9a-f]{16}"), id);
    assertEquals(id, MasterKeyring.keyId(key.clone()));
    assertNotEquals(id, MasterKeyring.keyId(randomBytes(32)));
  }

  @Test
  void aRotatedRingKeepsTheNewKeyCurrentAndTheOldOnesForUnwrapping() {
    MasterKeyring old = MasterKeyring.of(randomBytes(32));
    MasterKeyring newer = MasterKeyring.of(randomBytes(32));

    MasterKeyring rotated = newer.withRetired(old);

    assertEquals(newer.currentKeyId(), rotated.currentKeyId());
    assertEquals(Set.of(newer.currentKeyId(), old.currentKeyId()), rotated.keyIds());
    assertEquals(List.of(newer.currentKeyId(), old.currentKeyId()), List.copyOf(rotated.keyIds()));
  }

  @Test
  void rotatingTheKeyFileKeepsTheOldKeyAsRetired(@TempDir Path dataDir) throws Exception {
    MasterKeyring before = MasterKeyring.loadOrCreate(dataDir, Optional.empty());
    WrappedKey wrapped = new SecretBox(before).newDataKey();
    Path keys = dataDir.resolve("keys");

    MasterKeyring.Rotation rotation = MasterKeyring.rotateKeyFile(dataDir);

    assertEquals(before.currentKeyId(), rotation.retiredKeyId());
    assertNotEquals(before.currentKeyId(), rotation.currentKeyId());
    assertEquals(keys.resolve("master-retired-" + before.currentKeyId() + ".key"), rotation.retiredFile());
    for (Path file : List.of(keys.resolve("master.key"), rotation.retiredFile())) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }
    try (var files = Files.list(keys)) {
      assertEquals(Set.of("master.key", rotation.retiredFile().getFileName().toString()),
          files.map(f -> f.getFileName().toString()).collect(Collectors.toSet()));
    }
    MasterKeyring after = MasterKeyring.loadOrCreate(dataDir, Optional.empty());
    assertEquals(rotation.currentKeyId(), after.currentKeyId());
    assertEquals(List.of(rotation.currentKeyId(), before.currentKeyId()), List.copyOf(after.keyIds()));
    SecretBox box = new SecretBox(after);
    assertTrue(box.needsRewrap(wrapped));
    WrappedKey rewrapped = box.rewrap(wrapped, after);
    assertEquals(rotation.currentKeyId(), rewrapped.masterKeyId());
    assertEquals(32, new SecretBox(MasterKeyring.of(readKey(keys.resolve("master.key")))).unwrap(rewrapped).length);
  }

  @Test
  void everyRotationAddsARetiredKey(@TempDir Path dataDir) {
    String first = MasterKeyring.loadOrCreate(dataDir, Optional.empty()).currentKeyId();
    String second = MasterKeyring.rotateKeyFile(dataDir).currentKeyId();
    String third = MasterKeyring.rotateKeyFile(dataDir).currentKeyId();

    MasterKeyring ring = MasterKeyring.loadOrCreate(dataDir, Optional.empty());

    assertEquals(third, ring.currentKeyId());
    assertEquals(Set.of(first, second, third), ring.keyIds());
  }

  @Test
  void withoutAKeyFileThereIsNothingToRotate(@TempDir Path dataDir) {
    assertThrows(IllegalStateException.class, () -> MasterKeyring.rotateKeyFile(dataDir));
    assertFalse(Files.exists(dataDir.resolve("keys")));
  }

  @Test
  void retiredKeysFromTheEnvironmentUnwrapWhatTheyWrapped(@TempDir Path dataDir) {
    byte[] old = randomBytes(32);
    byte[] older = randomBytes(32);
    byte[] current = randomBytes(32);
    WrappedKey wrappedByOld = new SecretBox(MasterKeyring.of(old)).newDataKey();

    MasterKeyring ring = MasterKeyring.loadOrCreate(dataDir, Optional.of(base64(current)),
        List.of(base64(old), " ", base64(older)));

    assertEquals(MasterKeyring.keyId(current), ring.currentKeyId());
    assertEquals(List.of(MasterKeyring.keyId(current), MasterKeyring.keyId(old), MasterKeyring.keyId(older)),
        List.copyOf(ring.keyIds()));
    assertEquals(32, new SecretBox(ring).unwrap(wrappedByOld).length);
    assertFalse(Files.exists(dataDir.resolve("keys")));
  }

  @Test
  void aKeyFileLeftInTheDataDirectoryIsRetiredWhenTheEnvironmentGivesTheKey(@TempDir Path dataDir) {
    MasterKeyring fileRing = MasterKeyring.loadOrCreate(dataDir, Optional.empty());
    byte[] current = randomBytes(32);

    MasterKeyring ring = MasterKeyring.loadOrCreate(dataDir, Optional.of(base64(current)), List.of());

    assertEquals(MasterKeyring.keyId(current), ring.currentKeyId());
    assertTrue(ring.keyIds().contains(fileRing.currentKeyId()));
  }

  @Test
  void toStringShowsIdsOnly() {
    byte[] key = randomBytes(32);
    String text = MasterKeyring.of(key).toString();

    assertTrue(text.contains(MasterKeyring.keyId(key)));
    assertFalse(text.contains(Base64.getEncoder().encodeToString(key)));
  }

  private static String base64(byte[] key) {
    return Base64.getEncoder().encodeToString(key);
  }

  private static byte[] readKey(Path file) throws Exception {
    return Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip());
  }

  private static byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }
}
