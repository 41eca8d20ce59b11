package dev.ferry.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {

  // GitHub's published test vector ("Validating webhook deliveries").
  private static final String SECRET = "It's a Secret to Everybody";
  private static final byte[] PAYLOAD = "Hello, World!".getBytes(StandardCharsets.UTF_8);
  private static final String SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

  @Test
  void githubsTestVectorVerifies() {
    assertTrue(WebhookSignature.verify(SECRET, PAYLOAD, SIGNATURE));
    assertEquals(SIGNATURE, WebhookSignature.sign(SECRET, PAYLOAD));
  }

  @Test
  void upperCaseHexAndSurroundingSpaceStillVerify() {
    assertTrue(WebhookSignature.verify(SECRET, PAYLOAD, " sha256=" + SIGNATURE.substring(7).toUpperCase() + " "));
  }

  @Test
  void anotherSecretOrBodyDoesNotVerify() {
    assertFalse(WebhookSignature.verify("It's a Secret to Everybody!", PAYLOAD, SIGNATURE));
    assertFalse(WebhookSignature.verify(SECRET, "Hello, World?".getBytes(StandardCharsets.UTF_8), SIGNATURE));
    assertFalse(WebhookSignature.verify(SECRET, "Hello, World! ".getBytes(StandardCharsets.UTF_8), SIGNATURE));
  }

  @Test
  void missingEmptyOrMalformedSignaturesDoNotVerify() {
    assertFalse(WebhookSignature.verify(SECRET, PAYLOAD, null));
    assertFalse(WebhookSignature.verify(SECRET, PAYLOAD, ""));
    assertFalse(WebhookSignature.verify(SECRET, PAYLOAD, SIGNATURE.substring(7)), "without the sha256= prefix");
    assertFalse(WebhookSignature.verify(SECRET, PAYLOAD, "sha1=" + SIGNATURE.substring(7)));
    assertFalse(WebhookSignature.verify(SECRET, PAYLOAD, SIGNATURE.substring(0, SIGNATURE.length() - 2)));
    assertFalse(WebhookSignature.verify(SECRET, PAYLOAD, SIGNATURE + "00"));
    assertFalse(WebhookSignature.verify(SECRET, PAYLOAD, "sha256=" + "zz".repeat(32)));
    assertFalse(WebhookSignature.verify(SECRET, PAYLOAD, SIGNATURE.replace('e', 'f')));
  }

  @Test
  void noSecretVerifiesNothing() {
    assertFalse(WebhookSignature.verify("", PAYLOAD, WebhookSignature.sign("x", PAYLOAD)));
    assertFalse(WebhookSignature.verify(null, PAYLOAD, SIGNATURE));
  }
}
