package dev.ferry.edge.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Chooses the server certificate per TLS handshake by the SNI host name: the store's certificate for the exact host,
 * then its wildcard for the parent domain, else the fallback (the development certificate), which also serves
 * clients that send no SNI at all.
 *
 * <p>The JDK asks for an alias first and for the key and chain by that alias afterwards, so each alias names one
 * exact {@link CertifiedKey} object: a certificate replaced in the store between the two calls cannot mix a new
 * chain with an old key. The alias map is bounded (cleared when full; a handshake in flight then re-resolves).
 */
final class SniKeyManager extends X509ExtendedKeyManager {

  private static final int MAX_ALIASES = 4096;
  private static final String FALLBACK = "fallback";

  private final CertificateStore store;
  private final CertifiedKey fallback;
  private final Map<String, CertifiedKey> byAlias = new ConcurrentHashMap<>();

  SniKeyManager(CertificateStore store, CertifiedKey fallback) {
    this.store = store;
    this.fallback = fallback;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return choose(keyType, engine == null ? null : engine.getHandshakeSession());
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    SSLSession session = socket instanceof SSLSocket ssl ? ssl.getHandshakeSession() : null;
    return choose(keyType, session);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    CertifiedKey key = resolve(alias);
    return key == null ? null : key.chain().toArray(X509Certificate[]::new);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    CertifiedKey key = resolve(alias);
    return key == null ? null : key.privateKey();
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return fallback != null && matchesKeyType(fallback, keyType) ? new String[] {FALLBACK} : null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return null;
  }

  /** The SNI host name of a handshake, lower case without trailing dot; null when the client sent none. */
  static String sniHost(SSLSession handshake) {
    if (!(handshake instanceof ExtendedSSLSession extended)) {
      return null;
    }
    List<SNIServerName> names = extended.getRequestedServerNames();
    for (SNIServerName name : names) {
      if (name.getType() == StandardConstants.SNI_HOST_NAME && name instanceof SNIHostName host) {
        String ascii = host.getAsciiName().toLowerCase(Locale.ROOT);
        return ascii.endsWith(".") ? ascii.substring(0, ascii.length() - 1) : ascii;
      }
    }
    return null;
  }

  private String choose(String keyType, SSLSession handshake) {
    String host = sniHost(handshake);
    CertifiedKey key = host == null ? null : store.matching(host).orElse(null);
    if (key == null) {
      return fallback != null && matchesKeyType(fallback, keyType) ? FALLBACK : null;
    }
    if (!matchesKeyType(key, keyType)) {
      return null; // the JDK asks again with the next key type the client supports
    }
    String alias = "sni:" + host + "#" + Integer.toHexString(System.identityHashCode(key));
    if (byAlias.size() >= MAX_ALIASES) {
      byAlias.clear();
    }
    byAlias.put(alias, key);
    return alias;
  }

  private CertifiedKey resolve(String alias) {
    if (FALLBACK.equals(alias)) {
      return fallback;
    }
    return alias == null ? null : byAlias.get(alias);
  }

  /**
   * TLS asks by key type: "EC" for ECDSA, "RSA" or "RSASSA-PSS" for RSA keys; OpenSSL through Netty also asks
   * "EC_EC" for ECDSA.
   */
  static boolean matchesKeyType(CertifiedKey key, String keyType) {
    String algorithm = key.keyAlgorithm();
    if (keyType == null || keyType.equals(algorithm)) {
      return true;
    }
    return algorithm.equals("RSA") && keyType.equals("RSASSA-PSS") || algorithm.equals("EC") && keyType.equals("EC_EC");
  }
}
