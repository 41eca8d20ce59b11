package dev.ferry.domains;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.KeyPair;
import java.security.Signature;
import org.junit.jupiter.api.Test;

class KeyPairsTest {

  @Test
  void aKeyPairSurvivesPemAndStillSigns() throws Exception {
    KeyPair original = KeyPairs.newEcKeyPair();
    KeyPair read = KeyPairs.fromPem(KeyPairs.toPem(original));
    assertArrayEquals(original.getPrivate().getEncoded(), read.getPrivate().getEncoded());
    assertArrayEquals(original.getPublic().getEncoded(), read.getPublic().getEncoded());

    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(read.getPrivate());
    signer.update(new byte[] {1, 2, 3});
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(original.getPublic());
    verifier.update(new byte[] {1, 2, 3});
    org.junit.jupiter.api.Assertions.assertTrue(verifier.verify(signature));
  }

  @Test
  void aPemWithoutBothKeysIsRefused() {
    String pem = KeyPairs.toPem(KeyPairs.newEcKeyPair());
    String privateOnly = pem.substring(0, pem.indexOf("-----BEGIN PUBLIC KEY"));
    assertThrows(IllegalArgumentException.class, () -> KeyPairs.fromPem(privateOnly));
    assertThrows(IllegalArgumentException.class, () -> KeyPairs.fromPem("not pem"));
  }
}
