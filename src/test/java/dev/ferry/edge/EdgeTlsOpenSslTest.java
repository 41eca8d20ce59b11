package dev.ferry.edge;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/** {@link EdgeTlsTest} with BoringSSL, the engine the edge uses where its native library loads. */
class EdgeTlsOpenSslTest extends EdgeTlsTest {

  @BeforeAll
  void requireOpenSsl() {
    Assumptions.assumeTrue(OpenSsl.isAvailable(),
        "*** SKIPPED: netty-tcnative's BoringSSL does not load here: " + OpenSsl.unavailabilityCause() + " ***");
  }

  @Override
  SslProvider provider() {
    return SslProvider.OPENSSL;
  }
}
