package dev.ferry.edge.tls;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import javax.net.ssl.SSLException;

/**
 * The edge's server-side TLS context: certificates chosen per handshake by SNI (see {@link SniKeyManager}), ALPN
 * offering HTTP/2 before HTTP/1.1. OpenSSL (BoringSSL from {@code netty-tcnative}) when its native library loads on
 * this platform, the JDK's TLS otherwise (ADR 0018).
 */
public final class EdgeTls {

  private EdgeTls() {}

  /**
   * @param store certificates for real hosts, read on every handshake (changes apply to the next handshake)
   * @param fallback presented when no stored certificate matches, e.g. the {@link DevelopmentCertificate}
   */
  public static SslContext serverContext(CertificateStore store, CertifiedKey fallback) {
    return serverContext(store, fallback, OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
  }

  public static SslContext serverContext(CertificateStore store, CertifiedKey fallback, SslProvider provider) {
    try {
      return SslContextBuilder.forServer(new KeyManagerFactoryWrapper(new SniKeyManager(store, fallback)))
          .sslProvider(provider)
          .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
          .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
              ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("TLS (" + provider + ") cannot be set up", e);
    }
  }
}
