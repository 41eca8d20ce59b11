package dev.ferry.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ETagsTest {

  private static final String SHA = "0123456789abcdef0123456789abcdef" + "fedcba9876543210fedcba9876543210";
  private static final String TAG = "0123456789abcdef0123456789abcdef";

  @Test
  void tagIsTheFirst32HexCharactersOfTheDigest() {
    assertEquals(TAG, ETags.opaqueTag(SHA));
    assertEquals("\"" + TAG + "\"", ETags.header(TAG).value());
  }

  @Test
  void ifNoneMatchMatchesExactWeakListedAndStar() {
    assertTrue(ETags.ifNoneMatchMatches("\"" + TAG + "\"", TAG));
    assertTrue(ETags.ifNoneMatchMatches("W/\"" + TAG + "\"", TAG));
    assertTrue(ETags.ifNoneMatchMatches("\"a\", W/\"b\" ,\"" + TAG + "\"", TAG));
    assertTrue(ETags.ifNoneMatchMatches("*", TAG));
  }

  @Test
  void ifNoneMatchDoesNotMatchOtherOrMalformedTags() {
    assertFalse(ETags.ifNoneMatchMatches("\"other\"", TAG));
    assertFalse(ETags.ifNoneMatchMatches("\"" + TAG + "0\"", TAG));
    assertFalse(ETags.ifNoneMatchMatches("\"" + TAG.substring(1) + "\"", TAG));
    assertFalse(ETags.ifNoneMatchMatches(TAG, TAG));
    assertFalse(ETags.ifNoneMatchMatches("\"" + TAG, TAG));
    assertFalse(ETags.ifNoneMatchMatches("", TAG));
  }
}
