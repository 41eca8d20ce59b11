package dev.ferry.edge.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateStoresTest {

  private static final CertifiedKey EXAMPLE = cert("EC", "example.com");
  private static final CertifiedKey WILDCARD = cert("RSA", "*.example.com");

  @TempDir Path dir;

  @Test
  void matchesTheExactHostThenAWildcardOneLevelDeep() throws Exception {
    LocalCertificateStore store = LocalCertificateStore.inMemory();
    assertTrue(store.isEmpty());
    store.put("example.com", EXAMPLE);
    store.put("*.example.com", WILDCARD);

    assertEquals(Optional.of(EXAMPLE), store.matching("example.com"));
    assertEquals(Optional.of(WILDCARD), store.matching("shop.example.com"));
    assertEquals(Optional.empty(), store.matching("a.shop.example.com"));
    assertEquals(Optional.empty(), store.matching("example.org"));
    assertEquals(Optional.empty(), store.matching("com"));
    store.put("shop.example.com", EXAMPLE);
    assertEquals(Optional.of(EXAMPLE), store.matching("shop.example.com"), "an exact certificate wins");
  }

  @Test
  void layeredStoresAskEachInTurn() throws Exception {
    LocalCertificateStore operator = LocalCertificateStore.inMemory();
    LocalCertificateStore acme = LocalCertificateStore.inMemory();
    CertificateStore both = CertificateStore.firstOf(operator, acme);
    assertTrue(both.isEmpty());
    acme.put("shop.example.com", WILDCARD);
    assertFalse(both.isEmpty());
    assertEquals(Optional.of(WILDCARD), both.matching("shop.example.com"));
    operator.put("*.example.com", EXAMPLE);
    assertEquals(Optional.of(WILDCARD), both.matching("shop.example.com"), "an exact name beats a wildcard");
    operator.put("shop.example.com", EXAMPLE);
    assertEquals(Optional.of(EXAMPLE), both.matching("shop.example.com"), "the first store wins");
    acme.remove("shop.example.com");
    operator.remove("shop.example.com");
    assertEquals(Optional.of(EXAMPLE), both.matching("shop.example.com"));
  }

  @Test
  void persistsOwnerOnlyPemFilesAndReloadsThem() throws Exception {
    LocalCertificateStore store = LocalCertificateStore.open(dir);
    store.put("Example.COM.", EXAMPLE);
    store.put("*.example.com", WILDCARD);

    assertEquals(Set.of("example.com.pem", "_wildcard.example.com.pem"), files());
    assertEquals("rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("example.com.pem"))));
    String pem = Files.readString(dir.resolve("example.com.pem"));
    assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----"), pem);

    LocalCertificateStore reopened = LocalCertificateStore.open(dir);
    assertEquals(Set.of("example.com", "*.example.com"), reopened.names());
    assertEquals(EXAMPLE.certificate(), reopened.forHost("example.com").orElseThrow().certificate());
    assertEquals(EXAMPLE.privateKey(), reopened.forHost("example.com").orElseThrow().privateKey());
    assertEquals("RSA", reopened.forHost("*.example.com").orElseThrow().keyAlgorithm());

    store.remove("*.example.com");
    Files.writeString(dir.resolve("broken.example.com.pem"), "not a certificate");
    reopened.reload();
    assertEquals(Set.of("example.com"), reopened.names(), "removed files go, unreadable ones are skipped");
  }

  @Test
  void refusesNamesThatAreNotHostNames() {
    LocalCertificateStore store = LocalCertificateStore.inMemory();
    for (String bad : List.of("", "../etc", "a/b", "*.", "a..b", "*.*.example.com", "exa mple.com")) {
      assertThrows(IllegalArgumentException.class, () -> store.put(bad, EXAMPLE), bad);
    }
  }

  @Test
  void pemRoundTripKeepsTheChainInOrder() throws Exception {
    CertifiedKey chained = new CertifiedKey(EXAMPLE.privateKey(), List.of(EXAMPLE.certificate(),
        WILDCARD.certificate()));
    CertifiedKey read = CertifiedKey.fromPem(chained.toPem());
    assertEquals(chained.chain(), read.chain());
    assertThrows(java.io.IOException.class, () -> CertifiedKey.fromPem(EXAMPLE.toPem().replaceAll(
        "(?s)-----BEGIN PRIVATE KEY-----.*-----END PRIVATE KEY-----", "")));
  }

  @Test
  void theDevelopmentCertificateIsMadeOnceForLocalhost() throws Exception {
    CertifiedKey first = DevelopmentCertificate.loadOrCreate(dir);
    CertifiedKey again = DevelopmentCertificate.loadOrCreate(dir);

    assertEquals(first.certificate(), again.certificate());
    assertEquals(List.of("localhost", "*.localhost"), dnsNames(first.certificate()));
    assertTrue(first.notAfter().isAfter(Instant.now().plus(Duration.ofDays(300))));
    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(dir.resolve(DevelopmentCertificate.FILE_NAME))));
  }

  @Test
  void anExpiringOrUnreadableDevelopmentCertificateIsReplaced() throws Exception {
    CertifiedKey expiring = SelfSignedCertificates.create("EC", "old", List.of("localhost"), List.of(),
        Duration.ofDays(2));
    Files.writeString(dir.resolve(DevelopmentCertificate.FILE_NAME), expiring.toPem());
    CertifiedKey renewed = DevelopmentCertificate.loadOrCreate(dir);
    assertNotEquals(expiring.certificate(), renewed.certificate());

    Files.writeString(dir.resolve(DevelopmentCertificate.FILE_NAME), "garbage");
    assertFalse(DevelopmentCertificate.loadOrCreate(dir).certificate().equals(renewed.certificate()));
  }

  static CertifiedKey cert(String algorithm, String name) {
    return SelfSignedCertificates.create(algorithm, name, List.of(name), List.of(), Duration.ofDays(30));
  }

  static List<String> dnsNames(X509Certificate certificate) throws Exception {
    return certificate.getSubjectAlternativeNames().stream()
        .filter(entry -> (Integer) entry.get(0) == 2)
        .map(entry -> (String) entry.get(1))
        .toList();
  }

  private Set<String> files() throws Exception {
    try (var list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
    }
  }
}
