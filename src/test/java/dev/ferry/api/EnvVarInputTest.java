package dev.ferry.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EnvVarInputTest {

  @Test
  void aCompleteBodyIsTakenAsItIs() {
    EnvVarInput input = EnvVarInput.parse("""
        {"key": "API_TOKEN", "value": "abc", "targets": ["production", "preview"], "type": "secret",
         "buildTime": false}""");

    assertEquals(new EnvVarInput("API_TOKEN", "abc", List.of("production", "preview"), "secret", false), input);
  }

  @Test
  void buildTimeDefaultsToTrueAndEmptyValuesAreAllowed() {
    EnvVarInput input = EnvVarInput.parse("""
        {"key": "_x1", "value": "", "targets": ["development"], "type": "plain"}""");

    assertEquals(new EnvVarInput("_x1", "", List.of("development"), "plain", true), input);
  }

  @Test
  void everyMissingFieldIsReportedAtOnce() {
    Map<String, String> errors = errors("{}");

    assertEquals(Map.of("key", "Is required", "value", "Is required", "targets", "Is required", "type",
        "Is required"), errors);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1ABC", "MY-VAR", "MY VAR", "", "ÄPFEL", "A.B"})
  void keysMustBeShellNames(String key) {
    assertTrue(errors(body("\"" + key + "\"", "\"v\"", "[\"production\"]", "\"plain\"")).containsKey("key"));
  }

  @Test
  void keysHaveAtMost256Characters() {
    String longest = "A".repeat(256);
    assertEquals(longest, EnvVarInput.parse(body("\"" + longest + "\"", "\"v\"", "[\"preview\"]", "\"plain\""))
        .key());
    assertTrue(errors(body("\"" + longest + "A\"", "\"v\"", "[\"preview\"]", "\"plain\"")).containsKey("key"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"FERRY", "FERRY_ENV", "FERRY_ANYTHING", "ferry_token", "VERCEL", "VERCEL_ENV",
      "Vercel_Url"})
  void ferryAndVercelNamesAreReserved(String key) {
    String message = errors(body("\"" + key + "\"", "\"v\"", "[\"production\"]", "\"plain\"")).get("key");

    assertTrue(message.contains("reserved"), message);
  }

  @Test
  void namesThatOnlyStartLikeReservedOnesAreAllowed() {
    assertEquals("FERRYMAN", EnvVarInput.parse(body("\"FERRYMAN\"", "\"v\"", "[\"production\"]", "\"plain\""))
        .key());
    assertEquals("MY_VERCEL_URL", EnvVarInput.parse(body("\"MY_VERCEL_URL\"", "\"v\"", "[\"production\"]",
        "\"plain\"")).key());
  }

  @Test
  void valuesHaveAtMost64KibOfUtf8() {
    String largest = "x".repeat(65536);
    assertEquals(largest, EnvVarInput.parse(body("\"K\"", "\"" + largest + "\"", "[\"production\"]",
        "\"secret\"")).value());
    assertTrue(errors(body("\"K\"", "\"" + largest + "x\"", "[\"production\"]", "\"secret\""))
        .containsKey("value"));
    // 30,000 characters of three bytes each: under the character bound, over the byte bound.
    String wide = "€".repeat(30_000);
    assertTrue(errors(body("\"K\"", "\"" + wide + "\"", "[\"production\"]", "\"secret\"")).get("value")
        .contains("64 KiB"));
  }

  @Test
  void valuesMustBeStringsWithoutNul() {
    assertEquals("Must be a string", errors(body("\"K\"", "42", "[\"production\"]", "\"plain\"")).get("value"));
    assertTrue(errors(body("\"K\"", "\"a\\u0000b\"", "[\"production\"]", "\"plain\"")).get("value")
        .contains("NUL"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "[\"staging\"]", "[\"production\", \"production\"]", "[\"Production\"]",
      "\"production\"", "[1]", "[\"production\", null]"})
  void targetsMustBeANonEmptySubsetWithoutDuplicates(String targets) {
    assertTrue(errors(body("\"K\"", "\"v\"", targets, "\"plain\"")).containsKey("targets"), targets);
  }

  @Test
  void allThreeTargetsInAnyOrder() {
    assertEquals(List.of("development", "production", "preview"), EnvVarInput.parse(body("\"K\"", "\"v\"",
        "[\"development\", \"production\", \"preview\"]", "\"plain\"")).targets());
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"encrypted\"", "\"PLAIN\"", "\"sensitive\"", "true"})
  void typeIsPlainOrSecret(String type) {
    assertTrue(errors(body("\"K\"", "\"v\"", "[\"production\"]", type)).containsKey("type"), type);
  }

  @Test
  void buildTimeMustBeABoolean() {
    assertEquals("Must be true or false", errors("""
        {"key": "K", "value": "v", "targets": ["production"], "type": "plain", "buildTime": "yes"}""")
        .get("buildTime"));
  }

  @Test
  void unknownFieldsAreErrors() {
    assertEquals("Unknown field", errors("""
        {"key": "K", "value": "v", "targets": ["production"], "type": "plain", "target": "production"}""")
        .get("target"));
  }

  @Test
  void aBodyThatIsNotAnObjectIsABadRequest() {
    ApiException failure = assertThrows(ApiException.class, () -> EnvVarInput.parse("[1]"));
    assertEquals(400, failure.status());
  }

  private static String body(String key, String value, String targets, String type) {
    return "{\"key\": " + key + ", \"value\": " + value + ", \"targets\": " + targets + ", \"type\": " + type + "}";
  }

  /** The field errors of a rejected body, by field. */
  private static Map<String, String> errors(String body) {
    ApiException failure = assertThrows(ApiException.class, () -> EnvVarInput.parse(body));
    assertEquals(400, failure.status());
    return failure.errors().stream()
        .collect(Collectors.toMap(ApiException.FieldError::field, ApiException.FieldError::message));
  }
}
