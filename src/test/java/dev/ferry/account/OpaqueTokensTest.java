package dev.ferry.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OpaqueTokensTest {

  private static final String ACCOUNT = "alice+ci@example.com";

  @Test
  void tokensCarryTheirPrefixAndAreUrlSafe() {
    String refresh = OpaqueTokens.newRefreshToken(ACCOUNT);
    String api = OpaqueTokens.newApiToken(ACCOUNT);

    assertTrue(refresh.startsWith("ferry_rt_"), refresh);
    assertTrue(api.startsWith("ferry_pat_"), api);
    assertTrue(refresh.matches("[A-Za-z0-9_.-]+"), refresh);
    assertTrue(api.matches("[A-Za-z0-9_.-]+"), api);
  }

  @Test
  void tokensAreRandom() {
    Set<String> tokens = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      tokens.add(OpaqueTokens.newApiToken(ACCOUNT));
    }
    assertEquals(1000, tokens.size());
  }

  @Test
  void theSecretHas256Bits() {
    String token = OpaqueTokens.newRefreshToken(ACCOUNT);
    String secret = token.substring(token.indexOf('.') + 1);

    assertEquals(43, secret.length()); // 32 bytes in unpadded base64url
  }

  @Test
  void theAccountIdComesBackFromAToken() {
    assertEquals(Optional.of(ACCOUNT),
        OpaqueTokens.accountId(OpaqueTokens.newRefreshToken(ACCOUNT), OpaqueTokens.REFRESH_PREFIX));
    assertEquals(Optional.of(ACCOUNT),
        OpaqueTokens.accountId(OpaqueTokens.newApiToken(ACCOUNT), OpaqueTokens.API_TOKEN_PREFIX));
  }

  @Test
  void aTokenOfAnotherKindOrShapeNamesNoAccount() {
    String refresh = OpaqueTokens.newRefreshToken(ACCOUNT);
    String body = refresh.substring(OpaqueTokens.REFRESH_PREFIX.length());

    assertEquals(Optional.empty(), OpaqueTokens.accountId(refresh, OpaqueTokens.API_TOKEN_PREFIX));
    assertEquals(Optional.empty(), OpaqueTokens.accountId(null, OpaqueTokens.REFRESH_PREFIX));
    assertEquals(Optional.empty(), OpaqueTokens.accountId(body, OpaqueTokens.REFRESH_PREFIX));
    assertEquals(Optional.empty(), OpaqueTokens.accountId("ferry_rt_", OpaqueTokens.REFRESH_PREFIX));
    assertEquals(Optional.empty(), OpaqueTokens.accountId("ferry_rt_.secret", OpaqueTokens.REFRESH_PREFIX));
    assertEquals(Optional.empty(), OpaqueTokens.accountId("ferry_rt_YWxpY2U", OpaqueTokens.REFRESH_PREFIX));
    assertEquals(Optional.empty(), OpaqueTokens.accountId("ferry_rt_YWxpY2U.", OpaqueTokens.REFRESH_PREFIX));
    assertEquals(Optional.empty(), OpaqueTokens.accountId("ferry_rt_YW.xp.Y2U", OpaqueTokens.REFRESH_PREFIX));
    assertEquals(Optional.empty(), OpaqueTokens.accountId("ferry_rt_YW+x.secret", OpaqueTokens.REFRESH_PREFIX));
    assertEquals(Optional.empty(), OpaqueTokens.accountId("ferry_rt_Y.secret", OpaqueTokens.REFRESH_PREFIX));
    assertEquals(Optional.empty(), OpaqueTokens.accountId(refresh + "a".repeat(OpaqueTokens.MAX_TOKEN_LENGTH),
        OpaqueTokens.REFRESH_PREFIX));
  }

  @Test
  void sha256HexIsTheStandardDigest() {
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", OpaqueTokens.sha256Hex("abc"));
    assertTrue(OpaqueTokens.isSha256Hex(OpaqueTokens.sha256Hex(OpaqueTokens.newApiToken(ACCOUNT))));
  }

  @Test
  void onlyLowerCaseHexOfTheRightLengthIsASha256Hash() {
    String hash = OpaqueTokens.sha256Hex("abc");

    assertFalse(OpaqueTokens.isSha256Hex(null));
    assertFalse(OpaqueTokens.isSha256Hex(hash.toUpperCase()));
    assertFalse(OpaqueTokens.isSha256Hex(hash.substring(1)));
    assertFalse(OpaqueTokens.isSha256Hex(hash + "0"));
    assertFalse(OpaqueTokens.isSha256Hex("ferry_pat_" + hash.substring(10)));
  }

  @Test
  void constantTimeEqualsComparesContent() {
    String hash = OpaqueTokens.sha256Hex("abc");

    assertTrue(OpaqueTokens.constantTimeEquals(hash, new String(hash.toCharArray())));
    assertFalse(OpaqueTokens.constantTimeEquals(hash, OpaqueTokens.sha256Hex("abd")));
    assertFalse(OpaqueTokens.constantTimeEquals(hash, hash.substring(1)));
    assertFalse(OpaqueTokens.constantTimeEquals(hash, null));
    assertFalse(OpaqueTokens.constantTimeEquals(null, null));
    assertNotEquals(OpaqueTokens.randomUrlSafe(16), OpaqueTokens.randomUrlSafe(16));
  }
}
