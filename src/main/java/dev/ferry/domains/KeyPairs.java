package dev.ferry.domains;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import org.shredzone.acme4j.util.KeyPairUtils;

/** Key pairs as PEM text, to be sealed before they are stored. */
final class KeyPairs {

  private KeyPairs() {}

  static String toPem(KeyPair keys) {
    StringWriter pem = new StringWriter();
    try {
      KeyPairUtils.writeKeyPair(keys, pem);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pem.toString();
  }

  static KeyPair fromPem(String pem) {
    try {
      return KeyPairUtils.readKeyPair(new StringReader(pem));
    } catch (IOException e) {
      throw new IllegalArgumentException("Unreadable key pair", e);
    }
  }
}
