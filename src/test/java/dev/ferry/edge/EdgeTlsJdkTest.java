package dev.ferry.edge;

import io.netty.handler.ssl.SslProvider;

/** {@link EdgeTlsTest} with the JDK's TLS, which the edge falls back to where BoringSSL does not load. */
class EdgeTlsJdkTest extends EdgeTlsTest {

  @Override
  SslProvider provider() {
    return SslProvider.JDK;
  }
}
