package dev.ferry.edge.tls;

import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;

/** The edge's server-side TLS context: certificates chosen per handshake by SNI (see {@link SniKeyManager}). */
public final class EdgeTls {

  private EdgeTls() {}

  /**
   * @param store certificates for real hosts, read on every handshake (changes apply to the next handshake)
   * @param fallback presented when no stored certificate matches, e.g. the {@link DevelopmentCertificate}
   */
  public static SSLContext serverContext(CertificateStore store, CertifiedKey fallback) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {new SniKeyManager(store, fallback)}, null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK provides TLS", e);
    }
  }
}
