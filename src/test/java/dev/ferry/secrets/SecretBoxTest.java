package dev.ferry.secrets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SecretBoxTest {

  private static final String VALUE = "postgres://app:s3cr3t-p4ssw0rd@db.internal:5432/app";
  private static final String AD = SecretBox.context("env", "prj_one", "DATABASE_URL");

  private final MasterKeyring keyring = MasterKeyring.of(randomBytes(32));
  private final SecretBox box = new SecretBox(keyring);
  private final byte[] dataKey = box.unwrap(box.newDataKey());

  @Test
  void aSealedValueOpensWithTheSameKeyAndAssociatedData() {
    String sealed = box.encrypt(dataKey, VALUE, AD);

    assertEquals(VALUE, box.decrypt(dataKey, sealed, AD));
  }

  @Test
  void emptyAndUnicodeValuesRoundTrip() {
    for (String value : new String[] {"", "ключ 🔑 clé", "line one\nline two\n", "x".repeat(100_000)}) {
      assertEquals(value, box.decrypt(dataKey, box.encrypt(dataKey, value, AD), AD));
    }
  }

  @Test
  void theSealedFormIsVersionIvAndCiphertext() {
    String[] parts = box.encrypt(dataKey, VALUE, AD).split(":");

    assertEquals(3, parts.length);
    assertEquals("v1", parts[0]);
    assertEquals(12, Base64.getDecoder().decode(parts[1]).length);
    assertEquals(VALUE.getBytes(StandardCharsets.UTF_8).length + 16, Base64.getDecoder().decode(parts[2]).length);
  }

  @Test
  void thePlaintextNeverAppearsInTheSealedString() {
    String sealed = box.encrypt(dataKey, VALUE, AD);

    assertFalse(sealed.contains(VALUE));
    assertFalse(sealed.contains("s3cr3t"));
    assertFalse(sealed.contains(Base64.getEncoder().encodeToString(VALUE.getBytes(StandardCharsets.UTF_8))));
    assertFalse(sealed.contains(AD));
  }

  @Test
  void everySealUsesAFreshIv() {
    Set<String> ivs = new HashSet<>();
    Set<String> sealedValues = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      String sealed = box.encrypt(dataKey, VALUE, AD);
      sealedValues.add(sealed);
      ivs.add(sealed.split(":")[1]);
    }
    assertEquals(200, ivs.size());
    assertEquals(200, sealedValues.size());
  }

  @Test
  void flippingAnyBitIsDetected() {
    String sealed = box.encrypt(dataKey, VALUE, AD);
    String[] parts = sealed.split(":");
    byte[] iv = Base64.getDecoder().decode(parts[1]);
    byte[] ciphertext = Base64.getDecoder().decode(parts[2]);

    for (int bit = 0; bit < ciphertext.length * 8; bit += 7) {
      byte[] tampered = ciphertext.clone();
      tampered[bit / 8] ^= (byte) (1 << (bit % 8));
      String forged = parts[0] + ":" + parts[1] + ":" + Base64.getEncoder().encodeToString(tampered);
      assertThrows(SecretBoxException.class, () -> box.decrypt(dataKey, forged, AD), "bit " + bit);
    }
    byte[] tamperedIv = iv.clone();
    tamperedIv[0] ^= 1;
    String forgedIv = parts[0] + ":" + Base64.getEncoder().encodeToString(tamperedIv) + ":" + parts[2];
    assertThrows(SecretBoxException.class, () -> box.decrypt(dataKey, forgedIv, AD));
  }

  @Test
  void aValueMovedToAnotherProjectOrVariableDoesNotOpen() {
    String sealed = box.encrypt(dataKey, VALUE, AD);

    assertThrows(SecretBoxException.class,
        () -> box.decrypt(dataKey, sealed, SecretBox.context("env", "prj_two", "DATABASE_URL")));
    assertThrows(SecretBoxException.class,
        () -> box.decrypt(dataKey, sealed, SecretBox.context("env", "prj_one", "API_KEY")));
    assertThrows(SecretBoxException.class, () -> box.decrypt(dataKey, sealed, ""));
  }

  @Test
  void contextPartsAreUnambiguous() {
    assertNotEquals(SecretBox.context("a:b", "c"), SecretBox.context("a", "b:c"));
    assertNotEquals(SecretBox.context("a|1:b"), SecretBox.context("a", "b"));
    assertEquals(SecretBox.context("env", "prj", "KEY"), SecretBox.context("env", "prj", "KEY"));
  }

  @Test
  void anotherDataKeyDoesNotOpen() {
    String sealed = box.encrypt(dataKey, VALUE, AD);
    byte[] otherKey = box.unwrap(box.newDataKey());

    assertThrows(SecretBoxException.class, () -> box.decrypt(otherKey, sealed, AD));
  }

  @Test
  void malformedSealedValuesAreRefused() {
    String sealed = box.encrypt(dataKey, VALUE, AD);
    String[] parts = sealed.split(":");
    for (String malformed : new String[] {null, "", VALUE, "v2:" + parts[1] + ":" + parts[2], parts[1] + ":" + parts[2],
        "v1:" + parts[1], "v1:" + parts[1] + ":" + parts[2] + ":x", "v1:!!:" + parts[2], "v1:" + parts[1] + ":",
        "v1:" + Base64.getEncoder().encodeToString(new byte[8]) + ":" + parts[2]}) {
      assertThrows(SecretBoxException.class, () -> box.decrypt(dataKey, malformed, AD), malformed);
    }
  }

  @Test
  void associatedDataAndKeySizeAreRequired() {
    assertThrows(IllegalArgumentException.class, () -> box.encrypt(dataKey, VALUE, null));
    assertThrows(IllegalArgumentException.class, () -> box.encrypt(new byte[16], VALUE, AD));
  }

  @Test
  void dataKeysAre256BitAndDistinct() {
    byte[] other = box.unwrap(box.newDataKey());

    assertEquals(32, dataKey.length);
    assertFalse(Arrays.equals(dataKey, other));
  }

  @Test
  void aWrappedKeyNamesTheCurrentMasterKeyAndHidesTheDataKey() {
    WrappedKey wrapped = box.newDataKey();
    byte[] unwrapped = box.unwrap(wrapped);

    assertEquals(keyring.currentKeyId(), wrapped.masterKeyId());
    byte[] wrappedBytes = Base64.getDecoder().decode(wrapped.wrappedBase64());
    assertEquals(12 + 32 + 16, wrappedBytes.length);
    assertFalse(Base64.getEncoder().encodeToString(wrappedBytes).contains(Base64.getEncoder().encodeToString(unwrapped)));
    assertFalse(box.needsRewrap(wrapped));
  }

  @Test
  void anotherMasterKeyCannotUnwrap() {
    WrappedKey wrapped = box.newDataKey();
    SecretBox otherBox = new SecretBox(MasterKeyring.of(randomBytes(32)));

    assertThrows(SecretBoxException.class, () -> otherBox.unwrap(wrapped));
    // Even when the other ring claims the same key id, the tag check fails.
    MasterKeyring impostorRing = MasterKeyring.of(randomBytes(32));
    SecretBox impostor = new SecretBox(impostorRing);
    WrappedKey relabelled = new WrappedKey(impostorRing.currentKeyId(), wrapped.wrappedBase64());
    assertThrows(SecretBoxException.class, () -> impostor.unwrap(relabelled));
  }

  @Test
  void aTamperedWrappedKeyIsRefused() {
    WrappedKey wrapped = box.newDataKey();
    byte[] bytes = Base64.getDecoder().decode(wrapped.wrappedBase64());
    bytes[20] ^= 0x10;

    assertThrows(SecretBoxException.class,
        () -> box.unwrap(new WrappedKey(wrapped.masterKeyId(), Base64.getEncoder().encodeToString(bytes))));
    assertThrows(SecretBoxException.class, () -> box.unwrap(new WrappedKey(wrapped.masterKeyId(), "not base64!")));
    assertThrows(SecretBoxException.class, () -> box.unwrap(new WrappedKey(wrapped.masterKeyId(),
        Base64.getEncoder().encodeToString(new byte[20]))));
  }

  @Test
  void rotationRewrapsTheDataKeyUnderTheNewMasterKey() {
    WrappedKey wrapped = box.newDataKey();
    byte[] projectKey = box.unwrap(wrapped);
    String sealed = box.encrypt(projectKey, VALUE, AD);
    byte[] newMasterKey = randomBytes(32);
    MasterKeyring rotated = MasterKeyring.of(newMasterKey).withRetired(keyring);

    WrappedKey rewrapped = box.rewrap(wrapped, rotated);

    assertEquals(rotated.currentKeyId(), rewrapped.masterKeyId());
    assertNotEquals(wrapped.masterKeyId(), rewrapped.masterKeyId());
    SecretBox rotatedBox = new SecretBox(rotated);
    assertArrayEquals(projectKey, rotatedBox.unwrap(rewrapped));
    // Values sealed before the rotation open unchanged.
    assertEquals(VALUE, rotatedBox.decrypt(rotatedBox.unwrap(rewrapped), sealed, AD));
    // The retired key still unwraps what was not re-wrapped yet, and says it should be.
    assertTrue(rotatedBox.needsRewrap(wrapped));
    assertFalse(rotatedBox.needsRewrap(rewrapped));
    assertArrayEquals(projectKey, rotatedBox.unwrap(wrapped));
    // Once the old master key is gone, only the re-wrapped key opens.
    SecretBox withoutOldKey = new SecretBox(MasterKeyring.of(newMasterKey));
    assertArrayEquals(projectKey, withoutOldKey.unwrap(rewrapped));
    assertThrows(SecretBoxException.class, () -> withoutOldKey.unwrap(wrapped));
  }

  private static byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }
}
