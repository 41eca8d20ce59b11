package dev.ferry.domains;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DomainNamesTest {

  private static final String BASE = "ferry.example.net";

  @Test
  void namesAreMadeCanonical() {
    assertEquals("www.example.com", DomainNames.canonical("  WWW.Example.COM. ", BASE).name());
    assertEquals("xn--bcher-kva.example", DomainNames.canonical("bücher.example", BASE).name());
    assertEquals("xn--fiqs8s.xn--fiqz9s", DomainNames.canonical("中国.中國", BASE).name());
    String longest = ("a".repeat(63) + ".").repeat(3) + "b".repeat(57) + ".com";
    assertEquals(253, longest.length());
    assertTrue(DomainNames.canonical(longest, BASE).valid());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "com", "example", "127.0.0.1", "10.0.0.1", "::1", "[::1]", "2001:db8::1",
      "exa mple.com", "-bad.example.com", "bad-.example.com", "a..example.com", ".example.com", "under_score.com",
      "localhost", "app.localhost", "ferry.example.net", "shop.ferry.example.net", "example.123",
      "https://example.com", "example.com/path", "user@example.com"})
  void badNamesAreRefusedWithAReason(String name) {
    DomainNames.Result result = DomainNames.canonical(name, BASE);
    assertFalse(result.valid(), name + " → " + result.name());
    assertFalse(result.error().isBlank());
  }

  @Test
  void lengthLimitsHold() {
    assertFalse(DomainNames.canonical("a".repeat(64) + ".example.com", BASE).valid());
    String tooLong = ("a".repeat(63) + ".").repeat(3) + "b".repeat(58) + ".com";
    assertEquals(254, tooLong.length());
    assertFalse(DomainNames.canonical(tooLong, BASE).valid());
    assertFalse(DomainNames.canonical("x".repeat(10_000) + ".com", BASE).valid());
  }

  @Test
  void apexDomainsAreToldFromSubdomains() {
    assertTrue(DomainNames.isApex("example.com"));
    assertTrue(DomainNames.isApex("example.co.uk"));
    assertFalse(DomainNames.isApex("www.example.com"));
    assertFalse(DomainNames.isApex("shop.example.co.uk"));
  }
}
