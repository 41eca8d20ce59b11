package dev.ferry.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PasswordsTest {

  private static final char[] PASSWORD = "correct horse battery staple".toCharArray();
  private static String hash;

  @BeforeAll
  static void hashOnce() {
    // Cost 12 takes a few hundred milliseconds: the tests share one hash where they can.
    hash = Passwords.hash(PASSWORD);
  }

  @Test
  void hashesAreBcryptWithCost12() {
    assertTrue(hash.matches("\\$2b\\$12\\$[./A-Za-z0-9]{53}"), hash);
  }

  @Test
  void theRightPasswordVerifies() {
    assertTrue(Passwords.verify("correct horse battery staple".toCharArray(), hash));
  }

  @Test
  void aWrongPasswordDoesNotVerify() {
    assertFalse(Passwords.verify("correct horse battery stapler".toCharArray(), hash));
    assertFalse(Passwords.verify("Correct horse battery staple".toCharArray(), hash));
    assertFalse(Passwords.verify(new char[0], hash));
    assertFalse(Passwords.verify(null, hash));
  }

  @Test
  void aMalformedHashDoesNotVerify() {
    assertFalse(Passwords.verify(PASSWORD, null));
    assertFalse(Passwords.verify(PASSWORD, ""));
    assertFalse(Passwords.verify(PASSWORD, "$2b$12$tooshort"));
    assertFalse(Passwords.verify(PASSWORD, "correct horse battery staple"));
  }

  @Test
  void theSamePasswordHashesDifferentlyEachTime() {
    assertNotEquals(hash, Passwords.hash(PASSWORD));
  }

  @Test
  void passwordsBeyondBcrypts72BytesAreNotTruncated() {
    // Plain bcrypt would see only the first 72 bytes, so these two would be the same password.
    String common = "x".repeat(80);
    String longHash = Passwords.hash((common + "-one").toCharArray());

    assertTrue(Passwords.verify((common + "-one").toCharArray(), longHash));
    assertFalse(Passwords.verify((common + "-two").toCharArray(), longHash));
  }

  @Test
  void multiByteCharactersCountAndVerify() {
    char[] passphrase = "пароль-пароль-пароль-пароль-пароль-пароль-пароль".toCharArray(); // > 72 UTF-8 bytes
    String passphraseHash = Passwords.hash(passphrase);

    assertTrue(Passwords.verify(passphrase, passphraseHash));
    assertFalse(Passwords.verify("пароль-пароль-пароль-пароль-пароль-пароль-парол".toCharArray(), passphraseHash));
  }

  @Test
  void composedAndDecomposedFormsAreTheSamePassword() {
    char[] composed = "caf\u00e9-au-lait-please".toCharArray();
    char[] decomposed = "cafe\u0301-au-lait-please".toCharArray();

    assertTrue(Passwords.verify(decomposed, Passwords.hash(composed)));
  }

  @Test
  void theInputIsPreHashedNotPassedToBcryptAsIs() {
    // A bcrypt hash of the raw password is not what Ferry stores, so a plain bcrypt check of it fails.
    assertFalse(BCrypt.verifyer().verify(PASSWORD, hash).verified);
  }

  @Test
  void theDummyVerifyNeverSucceeds() {
    assertFalse(Passwords.verifyDummy(PASSWORD));
    assertFalse(Passwords.verifyDummy(null));
  }

  @Test
  void theDummyVerifyDoesTheSameBcryptWork() {
    // A loose bound only (timing is noisy): the dummy must not be a cheap shortcut.
    Passwords.verifyDummy(PASSWORD); // the first call also makes the dummy hash
    long start = System.nanoTime();
    Passwords.verifyDummy(PASSWORD);
    long dummy = System.nanoTime() - start;
    start = System.nanoTime();
    Passwords.verify(PASSWORD, hash);
    long real = System.nanoTime() - start;

    assertTrue(dummy > real / 10, () -> "dummy " + dummy + "ns vs real " + real + "ns");
  }

  @Test
  void thePolicyWantsTenToTwoHundredFiftySixCharacters() {
    assertEquals(Optional.empty(), Passwords.policyViolation("0123456789".toCharArray()));
    assertEquals(Optional.empty(), Passwords.policyViolation("a".repeat(256).toCharArray()));
    assertTrue(Passwords.policyViolation("012345678".toCharArray()).isPresent());
    assertTrue(Passwords.policyViolation("a".repeat(257).toCharArray()).isPresent());
    assertTrue(Passwords.policyViolation(new char[0]).isPresent());
    assertTrue(Passwords.policyViolation(null).isPresent());
    assertTrue(Passwords.policyViolation(" ".repeat(12).toCharArray()).isPresent());
  }

  @Test
  void thePolicyCountsCodePointsNotChars() {
    // Nine emoji are eighteen chars but nine characters.
    assertTrue(Passwords.policyViolation("\uD83D\uDE00".repeat(9).toCharArray()).isPresent());
    assertEquals(Optional.empty(), Passwords.policyViolation("\uD83D\uDE00".repeat(10).toCharArray()));
    assertEquals(Optional.empty(), Passwords.policyViolation("\uD83D\uDE00".repeat(256).toCharArray()));
  }

  @Test
  void hashingRefusesAPasswordAgainstThePolicy() {
    assertThrows(IllegalArgumentException.class, () -> Passwords.hash("short".toCharArray()));
    assertThrows(IllegalArgumentException.class, () -> Passwords.hash(null));
  }

  @Test
  void cheaperHashesNeedARehash() {
    assertFalse(Passwords.needsRehash(hash));
    assertTrue(Passwords.needsRehash(BCrypt.withDefaults().hashToString(4, PASSWORD)));
    assertTrue(Passwords.needsRehash("not a hash"));
    assertTrue(Passwords.needsRehash(null));
  }
}
