package dev.ferry.edge.tls;

import java.util.List;
import java.util.Optional;

/**
 * Certificates for the edge's HTTPS listener, by name: a host name ({@code "shop.example.com"}) or a wildcard
 * ({@code "*.example.com"}). The domains feature fills it from ACME; the edge only reads it, on every TLS handshake
 * and to decide whether plain HTTP redirects to HTTPS.
 */
public interface CertificateStore {

  /** The certificate stored under exactly this name (lower case, no trailing dot). */
  Optional<CertifiedKey> forHost(String host);

  /** Whether the store holds no certificate at all: lets the edge skip lookups. */
  default boolean isEmpty() {
    return false;
  }

  /**
   * The certificate to present for a host: the one stored for the host itself, else a wildcard for its parent
   * domain ({@code *.example.com} covers {@code a.example.com}, not {@code example.com} or {@code a.b.example.com}).
   */
  default Optional<CertifiedKey> matching(String host) {
    if (isEmpty()) {
      return Optional.empty();
    }
    Optional<CertifiedKey> exact = forHost(host);
    if (exact.isPresent()) {
      return exact;
    }
    int dot = host.indexOf('.');
    if (dot <= 0 || dot == host.length() - 1) {
      return Optional.empty();
    }
    return forHost("*" + host.substring(dot));
  }

  /** A store that asks each of {@code stores} in turn (an operator's files first, then ACME certificates). */
  static CertificateStore firstOf(CertificateStore... stores) {
    List<CertificateStore> all = List.of(stores);
    return new CertificateStore() {
      @Override
      public Optional<CertifiedKey> forHost(String host) {
        return all.stream().map(store -> store.forHost(host)).flatMap(Optional::stream).findFirst();
      }

      @Override
      public boolean isEmpty() {
        return all.stream().allMatch(CertificateStore::isEmpty);
      }
    };
  }
}
