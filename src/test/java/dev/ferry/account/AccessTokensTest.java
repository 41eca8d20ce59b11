package dev.ferry.account;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.ferry.account.AccessTokens.Claims;
import dev.ferry.account.AccessTokens.Failure;
import dev.ferry.account.AccessTokens.Verification;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessTokensTest {

  private static final byte[] KEY = randomBytes(32);
  private static final Instant NOW = Instant.parse("2030-01-01T10:00:00Z");
  private static final String USER_ID = "usr_alice";
  private static final String EMAIL = "alice@example.com";

  private final AccessTokens tokens = new AccessTokens(KEY);

  @Test
  void anIssuedTokenVerifies() {
    String token = tokens.issue(USER_ID, EMAIL, NOW);

    Verification verification = tokens.verify(token, NOW.plusSeconds(60));

    assertTrue(verification.isValid());
    assertNull(verification.failure());
    Claims claims = verification.claimsIfValid().orElseThrow();
    assertEquals(USER_ID, claims.userId());
    assertEquals(EMAIL, claims.email());
    assertNull(claims.sessionId());
    assertEquals(NOW, claims.issuedAt());
    assertEquals(NOW.plus(AccessTokens.DEFAULT_TTL), claims.expiresAt());
    assertFalse(claims.tokenId().isBlank());
  }

  @Test
  void theTokenCarriesTheStandardClaimsAndAnHs256Header() throws Exception {
    SignedJWT jwt = SignedJWT.parse(tokens.issue(USER_ID, EMAIL, "fam-1", NOW.plusMillis(700)));

    assertEquals(JWSAlgorithm.HS256, jwt.getHeader().getAlgorithm());
    assertEquals(JOSEObjectType.JWT, jwt.getHeader().getType());
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    assertEquals("ferry", claims.getIssuer());
    assertEquals(List.of("ferry-api"), claims.getAudience());
    assertEquals(USER_ID, claims.getSubject());
    assertEquals(EMAIL, claims.getStringClaim("email"));
    assertEquals("fam-1", claims.getStringClaim("sid"));
    assertEquals(Date.from(NOW), claims.getIssueTime());
    assertEquals(Date.from(NOW.plus(Duration.ofMinutes(15))), claims.getExpirationTime());
  }

  @Test
  void theSessionIdComesBack() {
    String token = tokens.issue(USER_ID, EMAIL, "fam-1", NOW);

    assertEquals("fam-1", tokens.verify(token, NOW).claimsIfValid().orElseThrow().sessionId());
  }

  @Test
  void everyTokenHasItsOwnId() {
    assertNotEquals(tokens.verify(tokens.issue(USER_ID, EMAIL, NOW), NOW).claims().tokenId(),
        tokens.verify(tokens.issue(USER_ID, EMAIL, NOW), NOW).claims().tokenId());
  }

  @Test
  void aConfiguredLifetimeApplies() {
    AccessTokens shortLived = new AccessTokens(KEY, Duration.ofMinutes(1));
    String token = shortLived.issue(USER_ID, EMAIL, NOW);

    assertEquals(Duration.ofMinutes(1), shortLived.ttl());
    assertEquals(NOW.plusSeconds(60), shortLived.verify(token, NOW).claims().expiresAt());
  }

  @Test
  void expiryAllowsThirtySecondsOfClockSkew() {
    String token = tokens.issue(USER_ID, EMAIL, NOW);
    Instant expiry = NOW.plus(AccessTokens.DEFAULT_TTL);

    assertTrue(tokens.verify(token, expiry.plusSeconds(29)).isValid());
    assertFailure(Failure.EXPIRED, tokens.verify(token, expiry.plusSeconds(30)));
    assertFailure(Failure.EXPIRED, tokens.verify(token, expiry.plus(Duration.ofDays(1))));
  }

  @Test
  void aTokenFromTheFutureIsRefusedBeyondTheSkew() {
    String token = tokens.issue(USER_ID, EMAIL, NOW);

    assertTrue(tokens.verify(token, NOW.minusSeconds(30)).isValid());
    assertFailure(Failure.NOT_YET_VALID, tokens.verify(token, NOW.minusSeconds(31)));
  }

  @Test
  void aNotBeforeInTheFutureIsRefused() throws Exception {
    String token = signed(JWSAlgorithm.HS256, KEY, claims(c -> c.notBeforeTime(Date.from(NOW.plusSeconds(120)))));

    assertFailure(Failure.NOT_YET_VALID, tokens.verify(token, NOW));
  }

  @Test
  void aTokenSignedWithAnotherKeyIsRefused() throws Exception {
    String token = new AccessTokens(randomBytes(32)).issue(USER_ID, EMAIL, NOW);

    assertFailure(Failure.BAD_SIGNATURE, tokens.verify(token, NOW));
    assertFailure(Failure.BAD_SIGNATURE, tokens.verify(signed(JWSAlgorithm.HS256, randomBytes(32), claims(c -> {})),
        NOW));
  }

  @Test
  void aTamperedPayloadIsRefused() {
    String[] parts = tokens.issue(USER_ID, EMAIL, NOW).split("\\.");
    String forgedPayload = base64Url("{\"sub\":\"usr_admin\",\"email\":\"admin@example.com\",\"iss\":\"ferry\","
        + "\"aud\":\"ferry-api\",\"iat\":" + NOW.getEpochSecond() + ",\"exp\":" + NOW.plusSeconds(900).getEpochSecond()
        + ",\"jti\":\"x\"}");

    assertFailure(Failure.BAD_SIGNATURE, tokens.verify(parts[0] + "." + forgedPayload + "." + parts[2], NOW));
  }

  @Test
  void anUnsignedAlgNoneTokenIsRefused() {
    // Built by hand, the way an attacker would: header {"alg":"none"}, valid claims, empty signature.
    String header = base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    String payload = new PlainJWT(claims(c -> {})).serialize().split("\\.")[1];

    assertFailure(Failure.WRONG_ALGORITHM, tokens.verify(header + "." + payload + ".", NOW));
    // With the signature of a real token appended, and with the algorithm name in other cases.
    String signature = tokens.issue(USER_ID, EMAIL, NOW).split("\\.")[2];
    assertFailure(Failure.WRONG_ALGORITHM, tokens.verify(header + "." + payload + "." + signature, NOW));
    for (String alg : List.of("None", "NONE", "nOnE")) {
      String otherHeader = base64Url("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}");
      assertFailure(Failure.WRONG_ALGORITHM, tokens.verify(otherHeader + "." + payload + ".", NOW));
    }
  }

  @Test
  void otherHmacAlgorithmsAreRefusedEvenWithTheRightKey() throws Exception {
    byte[] longKey = randomBytes(64);
    AccessTokens withLongKey = new AccessTokens(longKey);

    assertFailure(Failure.WRONG_ALGORITHM, withLongKey.verify(signed(JWSAlgorithm.HS512, longKey, claims(c -> {})),
        NOW));
    assertFailure(Failure.WRONG_ALGORITHM, withLongKey.verify(signed(JWSAlgorithm.HS384, longKey, claims(c -> {})),
        NOW));
    assertTrue(withLongKey.verify(signed(JWSAlgorithm.HS256, longKey, claims(c -> {})), NOW).isValid());
  }

  @Test
  void anAsymmetricAlgorithmHeaderIsRefused() {
    // RS256 with the HMAC key as "public key" is the algorithm-confusion attack; the header alone is enough to refuse.
    String header = base64Url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
    String payload = new PlainJWT(claims(c -> {})).serialize().split("\\.")[1];

    assertFailure(Failure.WRONG_ALGORITHM, tokens.verify(header + "." + payload + "." + base64Url("sig"), NOW));
  }

  @Test
  void theWrongAudienceIsRefused() throws Exception {
    assertFailure(Failure.WRONG_AUDIENCE, tokens.verify(signed(JWSAlgorithm.HS256, KEY,
        claims(c -> c.audience("ferry-edge"))), NOW));
  }

  @Test
  void theWrongIssuerIsRefused() throws Exception {
    assertFailure(Failure.WRONG_ISSUER, tokens.verify(signed(JWSAlgorithm.HS256, KEY,
        claims(c -> c.issuer("https://evil.example"))), NOW));
  }

  @Test
  void everyRequiredClaimMustBePresent() throws Exception {
    for (String claim : List.of("sub", "email", "iss", "aud", "iat", "exp", "jti")) {
      String token = signed(JWSAlgorithm.HS256, KEY, claims(c -> c.claim(claim, null)));

      assertFailure(Failure.MISSING_CLAIMS, tokens.verify(token, NOW));
    }
  }

  @Test
  void anEmailThatIsNotAStringIsRefused() throws Exception {
    assertFailure(Failure.MISSING_CLAIMS, tokens.verify(signed(JWSAlgorithm.HS256, KEY,
        claims(c -> c.claim("email", List.of("a@example.com")))), NOW));
  }

  @Test
  void malformedTokensAreRefused() {
    String valid = tokens.issue(USER_ID, EMAIL, NOW);
    for (String token : new String[] {null, "", "abc", "a.b", "a.b.c", "!!!.???.***", valid.substring(0, 20),
        valid + ".extra.parts", "x".repeat(AccessTokens.MAX_TOKEN_LENGTH + 1),
        base64Url("{\"alg\":\"HS256\"}") + "." + base64Url("not json") + "." + valid.split("\\.")[2]}) {
      Verification verification = tokens.verify(token, NOW);
      assertFalse(verification.isValid(), token);
      assertEquals(Optional.empty(), verification.claimsIfValid());
    }
    assertFailure(Failure.MALFORMED, tokens.verify(null, NOW));
    assertFailure(Failure.MALFORMED, tokens.verify("abc", NOW));
  }

  @Test
  void keysShorterThan256BitsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new AccessTokens(new byte[31]));
    assertThrows(IllegalArgumentException.class, () -> new AccessTokens(null));
  }

  @Test
  void theKeyFileIsCreatedOnceWithOwnerOnlyPermissions(@TempDir Path dataDir) throws Exception {
    byte[] first = AccessTokens.loadOrCreateKey(dataDir);
    Path file = dataDir.resolve("keys").resolve("jwt.key");

    assertEquals(32, first.length);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
    assertArrayEquals(first, AccessTokens.loadOrCreateKey(dataDir));
    // Tokens survive a restart because the key does.
    String token = new AccessTokens(first).issue(USER_ID, EMAIL, NOW);
    assertTrue(new AccessTokens(AccessTokens.loadOrCreateKey(dataDir)).verify(token, NOW).isValid());
  }

  @Test
  void aKeyFromTheEnvironmentWins(@TempDir Path dataDir) {
    byte[] key = randomBytes(32);

    assertArrayEquals(key, AccessTokens.loadOrCreateKey(dataDir, Optional.of(Base64.getEncoder().encodeToString(key))));
    assertFalse(Files.exists(dataDir.resolve("keys").resolve("jwt.key")));
    assertThrows(IllegalArgumentException.class, () -> AccessTokens.loadOrCreateKey(dataDir,
        Optional.of(Base64.getEncoder().encodeToString(new byte[16]))));
    assertEquals(32, AccessTokens.loadOrCreateKey(dataDir, Optional.empty()).length);
  }

  private static void assertFailure(Failure expected, Verification verification) {
    assertFalse(verification.isValid());
    assertEquals(expected, verification.failure());
    assertEquals(Optional.empty(), verification.claimsIfValid());
  }

  /** Valid claims for {@link #NOW}, changed by {@code change}; a claim set to null is left out. */
  private static JWTClaimsSet claims(Consumer<JWTClaimsSet.Builder> change) {
    JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder()
        .issuer("ferry")
        .audience("ferry-api")
        .subject(USER_ID)
        .claim("email", EMAIL)
        .issueTime(Date.from(NOW))
        .expirationTime(Date.from(NOW.plusSeconds(900)))
        .jwtID("jti-1");
    change.accept(builder);
    return builder.build();
  }

  private static String signed(JWSAlgorithm algorithm, byte[] key, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).build(), claims);
    jwt.sign(new MACSigner(key));
    return jwt.serialize();
  }

  private static String base64Url(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }
}
