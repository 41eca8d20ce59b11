package dev.ferry.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LogMaskerTest {

  private static final String TOKEN = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";

  @Test
  void masksEveryOccurrenceOfASecret() {
    LogMasker masker = new LogMasker(List.of(TOKEN));

    assertEquals("Using token *** (again: ***).", masker.mask("Using token " + TOKEN + " (again: " + TOKEN + ")."));
    assertEquals("***", masker.mask(TOKEN));
  }

  @Test
  void leavesOtherLinesAlone() {
    LogMasker masker = new LogMasker(List.of(TOKEN));
    String line = "npm run build -- --mode production";

    assertSame(line, masker.mask(line));
    assertEquals("", masker.mask(""));
    assertEquals(null, masker.mask(null));
  }

  @Test
  void masksManySecretsAtOnce() {
    LogMasker masker = new LogMasker(List.of("alpha-secret", "bravo-secret", "charlie"));

    assertEquals("a=*** b=*** c=*** d=delta",
        masker.mask("a=alpha-secret b=bravo-secret c=charlie d=delta"));
  }

  @Test
  void masksBase64Forms() {
    String secret = "p4ss?w0rd>>";
    LogMasker masker = new LogMasker(List.of(secret));
    byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
    String standard = Base64.getEncoder().encodeToString(bytes);
    String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);

    assertTrue(!standard.equals(urlSafe), "the test needs a value whose two base64 forms differ");
    assertEquals("basic ***", masker.mask("basic " + standard));
    assertEquals("basic ***", masker.mask("basic " + standard.replace("=", "")));
    assertEquals("jwt ***.", masker.mask("jwt " + urlSafe + "."));
  }

  @Test
  void masksUrlEncodedForms() {
    String secret = "s3cret pass/word&more";
    LogMasker masker = new LogMasker(List.of(secret));
    String form = URLEncoder.encode(secret, StandardCharsets.UTF_8);

    assertEquals("GET /login?password=***", masker.mask("GET /login?password=" + form));
    assertEquals("GET /login?password=***", masker.mask("GET /login?password=" + form.replace("+", "%20")));
  }

  @Test
  void masksJsonEscapedForms() {
    LogMasker masker = new LogMasker(List.of("quote\"and\\slash"));

    assertEquals("{\"password\":\"***\"}", masker.mask("{\"password\":\"quote\\\"and\\\\slash\"}"));
  }

  @Test
  void masksEachLineOfAMultiLineSecret() {
    String pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n"
        + "-----END PRIVATE KEY-----\n";
    LogMasker masker = new LogMasker(List.of(pem));

    assertEquals("***", masker.mask("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"));
    assertEquals("key: ***", masker.mask("key: BKcwggSjAgEAAoIBAQC7"));
  }

  @Test
  void theLongestOrOverlappingSecretsAreMaskedAsOneRun() {
    LogMasker masker = new LogMasker(List.of("secret", "secret-extended", "tended-tail"));

    assertEquals("x=*** y=***", masker.mask("x=secret-extended y=secret"));
    // Overlapping: "secret-extended" and "tended-tail" share "tended"; no fragment of either stays visible.
    assertEquals("x=***!", masker.mask("x=secret-extended-tail!"));
    // Adjacent occurrences merge too.
    assertEquals("***", masker.mask("secretsecret"));
  }

  @Test
  void aSecretInsideAnotherWordIsStillMasked() {
    LogMasker masker = new LogMasker(List.of("abc123"));

    assertEquals("xx***yy", masker.mask("xxabc123yy"));
    assertEquals("ab***", masker.mask("ababc123")); // failure links: the match restarts inside a partial one
  }

  @Test
  void valuesShorterThanThreeCharactersAreNotMasked() {
    LogMasker masker = new LogMasker(List.of("1", "on", "", "abc"));

    assertEquals("1 on *** ***d", masker.mask("1 on abc abcd"));
    assertTrue(new LogMasker(List.of("1", "on", "")).masksNothing());
    assertTrue(LogMasker.NONE.masksNothing());
    assertEquals("anything", LogMasker.NONE.mask("anything"));
  }

  @Test
  void nullSecretsAreIgnored() {
    List<String> secrets = new ArrayList<>();
    secrets.add(null);
    secrets.add(TOKEN);

    assertEquals("***", new LogMasker(secrets).mask(TOKEN));
  }

  @Test
  void variantsOfAShortValueAreNotMaskedEither() {
    assertTrue(LogMasker.variants("ab").isEmpty());
    assertTrue(LogMasker.variants(null).isEmpty());
    assertTrue(LogMasker.variants("abc").contains(Base64.getEncoder().encodeToString("abc".getBytes())));
    assertTrue(LogMasker.variants("a\nbcd").contains("bcd"));
    assertFalse(LogMasker.variants("a\nbcd").contains("a"));
  }

  @Test
  void unicodeSecretsAreMasked() {
    LogMasker masker = new LogMasker(List.of("пароль-🔑-κλειδί"));

    assertEquals("value: *** end", masker.mask("value: пароль-🔑-κλειδί end"));
  }

  @Test
  void agreesWithAStraightforwardSearchOnRandomInput() {
    Random random = new Random(20300101L);
    for (int round = 0; round < 300; round++) {
      List<String> secrets = new ArrayList<>();
      for (int i = 0, count = 1 + random.nextInt(8); i < count; i++) {
        secrets.add(randomText(random, 3 + random.nextInt(4)));
      }
      String line = randomText(random, random.nextInt(120));
      LogMasker masker = new LogMasker(secrets);
      List<String> patterns = secrets.stream().flatMap(s -> LogMasker.variants(s).stream()).distinct().toList();

      assertEquals(naiveMask(line, patterns), masker.mask(line), () -> secrets + " in " + line);
    }
  }

  @Test
  void noSecretSurvivesMasking() {
    Random random = new Random(7L);
    for (int round = 0; round < 300; round++) {
      List<String> secrets = List.of(randomText(random, 3), randomText(random, 4), randomText(random, 6));
      String masked = new LogMasker(secrets).mask(randomText(random, 200));

      for (String secret : secrets) {
        assertFalse(masked.contains(secret), () -> secret + " in " + masked);
      }
    }
  }

  @Test
  void thousandsOfSecretsStayFast() {
    Random random = new Random(42L);
    List<String> secrets = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      secrets.add("secret-" + i + "-" + Long.toHexString(random.nextLong()));
    }
    LogMasker masker = new LogMasker(secrets);
    String line = "[build] step 3/7: fetching https://registry.example/pkg?token=" + secrets.get(4_321)
        + " and nothing else of interest here ".repeat(5);

    // Generous bound: a per-secret scan would take minutes here; the automaton takes milliseconds.
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      for (int i = 0; i < 20_000; i++) {
        assertTrue(masker.mask(line).contains("token=*** and"));
      }
    });
  }

  /** Reference: mark every character covered by any occurrence of any pattern, then collapse marked runs. */
  private static String naiveMask(String line, List<String> patterns) {
    boolean[] covered = new boolean[line.length()];
    for (String pattern : patterns) {
      for (int at = line.indexOf(pattern); at >= 0; at = line.indexOf(pattern, at + 1)) {
        for (int i = at; i < at + pattern.length(); i++) {
          covered[i] = true;
        }
      }
    }
    StringBuilder masked = new StringBuilder();
    for (int i = 0; i < line.length(); i++) {
      if (!covered[i]) {
        masked.append(line.charAt(i));
      } else if (i == 0 || !covered[i - 1]) {
        masked.append(LogMasker.MASK);
      }
    }
    return masked.toString();
  }

  /** Over a tiny alphabet, so secrets overlap and repeat often. */
  private static String randomText(Random random, int length) {
    char[] chars = new char[length];
    for (int i = 0; i < length; i++) {
      chars[i] = "abc ".charAt(random.nextInt(4));
    }
    return new String(chars);
  }
}
