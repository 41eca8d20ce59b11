package dev.ferry.domains;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Pebble;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** DNS checks with dnsjava against pebble-challtestsrv on loopback. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DnsCheckerTest {

  private Pebble dns;
  private DnsChecker checker;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    dns = Pebble.startDns(dir);
    checker = new DnsChecker(dns.dnsAddress(), Duration.ofSeconds(3));
  }

  @AfterAll
  void stop() throws Exception {
    if (dns != null) {
      dns.close();
    }
  }

  @Test
  void theTokenInTheTxtRecordVerifies() throws Exception {
    dns.setTxt("_ferry-challenge.shop.example.com", "ferry-token-1");
    DnsChecker.Finding finding = checker.check("shop.example.com", "ferry-token-1");
    assertTrue(finding.verified(), finding.detail());
  }

  @Test
  void aWrongValueDoesNotAndSaysWhatWasFound() throws Exception {
    dns.setTxt("_ferry-challenge.wrong.example.com", "someone-elses-token");
    DnsChecker.Finding finding = checker.check("wrong.example.com", "ferry-token-2");
    assertFalse(finding.verified());
    assertTrue(finding.detail().contains("someone-elses-token"), finding.detail());
  }

  @Test
  void aMissingRecordDoesNot() {
    DnsChecker.Finding finding = checker.check("missing.example.com", "ferry-token-3");
    assertFalse(finding.verified());
    assertTrue(finding.detail().contains("No TXT record"), finding.detail());
  }

  @Test
  void changesAreSeenAtOnce() throws Exception {
    dns.setTxt("_ferry-challenge.later.example.com", "old");
    assertFalse(checker.check("later.example.com", "new").verified());
    dns.setTxt("_ferry-challenge.later.example.com", "new");
    assertTrue(checker.check("later.example.com", "new").verified());
  }
}
