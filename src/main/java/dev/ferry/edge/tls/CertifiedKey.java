package dev.ferry.edge.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * A private key with its certificate chain, leaf first: what a TLS server presents for a host. Reads and writes the
 * common PEM form (the key, PKCS#8 or the traditional RSA/EC forms, followed by the certificates).
 */
public record CertifiedKey(PrivateKey privateKey, List<X509Certificate> chain) {

  public CertifiedKey {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("a certificate chain needs at least the leaf certificate");
    }
  }

  public X509Certificate certificate() {
    return chain.get(0);
  }

  public Instant notAfter() {
    return certificate().getNotAfter().toInstant();
  }

  /** The key's algorithm as TLS key managers name it: {@code "EC"} or {@code "RSA"}. */
  public String keyAlgorithm() {
    return privateKey.getAlgorithm();
  }

  public String toPem() {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
      pem.writeObject(new JcaPKCS8Generator(privateKey, null)); // PKCS#8: "PRIVATE KEY", any algorithm
      for (X509Certificate certificate : chain) {
        pem.writeObject(certificate);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  /** Parses a private key and its certificates, in any order, from PEM text. */
  public static CertifiedKey fromPem(String pemText) throws IOException {
    PrivateKey key = null;
    List<X509Certificate> chain = new ArrayList<>();
    JcaPEMKeyConverter keys = new JcaPEMKeyConverter();
    JcaX509CertificateConverter certificates = new JcaX509CertificateConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pemText))) {
      for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
        if (object instanceof PEMKeyPair pair) {
          key = keys.getPrivateKey(pair.getPrivateKeyInfo());
        } else if (object instanceof PrivateKeyInfo info) {
          key = keys.getPrivateKey(info);
        } else if (object instanceof X509CertificateHolder holder) {
          chain.add(certificates.getCertificate(holder));
        }
      }
    } catch (CertificateException e) {
      throw new IOException("unreadable certificate: " + e.getMessage(), e);
    }
    if (key == null) {
      throw new IOException("no private key in the PEM text");
    }
    if (chain.isEmpty()) {
      throw new IOException("no certificate in the PEM text");
    }
    return new CertifiedKey(key, chain);
  }
}
