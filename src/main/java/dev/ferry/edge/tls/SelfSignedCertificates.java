package dev.ferry.edge.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Self-signed server certificates made with BouncyCastle's certificate builder, signed by the JDK's own providers
 * (no BouncyCastle security provider is installed).
 */
public final class SelfSignedCertificates {

  private SelfSignedCertificates() {}

  /**
   * @param keyAlgorithm {@code "EC"} (P-256) or {@code "RSA"} (2048 bits)
   * @param commonName the subject's CN
   * @param dnsNames subject alternative names, wildcards allowed ({@code *.localhost})
   * @param ipAddresses subject alternative IP addresses
   */
  public static CertifiedKey create(String keyAlgorithm, String commonName, List<String> dnsNames,
      List<String> ipAddresses, Duration validity) {
    try {
      KeyPair keys = keyPair(keyAlgorithm);
      X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
          .addRDN(BCStyle.O, "Ferry")
          .addRDN(BCStyle.CN, commonName)
          .build();
      Instant now = Instant.now();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
          new BigInteger(64, new SecureRandom()).abs().add(BigInteger.ONE),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)), subject, keys.getPublic());
      List<GeneralName> names = new ArrayList<>();
      dnsNames.forEach(name -> names.add(new GeneralName(GeneralName.dNSName, name)));
      ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
      builder.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(
          keyAlgorithm.equals("RSA") ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment : KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      String signature = keyAlgorithm.equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      X509Certificate certificate = new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder(signature).build(keys.getPrivate())));
      return new CertifiedKey(keys.getPrivate(), List.of(certificate));
    } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
      throw new IllegalStateException("cannot create a self-signed certificate", e);
    }
  }

  private static KeyPair keyPair(String algorithm) throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
    switch (algorithm) {
      case "EC" -> generator.initialize(new ECGenParameterSpec("secp256r1"));
      case "RSA" -> generator.initialize(2048);
      default -> throw new IllegalArgumentException("unsupported key algorithm " + algorithm);
    }
    return generator.generateKeyPair();
  }
}
