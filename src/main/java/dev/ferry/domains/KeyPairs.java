package dev.ferry.domains;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * Key pairs as PEM text (the private key as PKCS#8, then the public key), to be sealed before they are stored. Uses
 * the JDK's providers only: no BouncyCastle security provider is installed.
 */
final class KeyPairs {

  private KeyPairs() {}

  /** A P-256 key pair. */
  static KeyPair newEcKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK provides P-256", e);
    }
  }

  static String toPem(KeyPair keys) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
      pem.writeObject(new JcaPKCS8Generator(keys.getPrivate(), null));
      pem.writeObject(keys.getPublic());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  static KeyPair fromPem(String text) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    PrivateKey privateKey = null;
    PublicKey publicKey = null;
    try (PEMParser pem = new PEMParser(new StringReader(text))) {
      for (Object block = pem.readObject(); block != null; block = pem.readObject()) {
        if (block instanceof PEMKeyPair pair) {
          return converter.getKeyPair(pair);
        } else if (block instanceof PrivateKeyInfo info) {
          privateKey = converter.getPrivateKey(info);
        } else if (block instanceof SubjectPublicKeyInfo info) {
          publicKey = converter.getPublicKey(info);
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("Unreadable key pair: " + e.getMessage(), e);
    }
    if (privateKey == null || publicKey == null) {
      throw new IllegalArgumentException("A key pair needs a private and a public key");
    }
    return new KeyPair(publicKey, privateKey);
  }
}
