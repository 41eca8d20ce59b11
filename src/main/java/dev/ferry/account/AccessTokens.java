package dev.ferry.account;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.Header;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.ferry.secrets.KeyFiles;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Short-lived JWT access tokens, HS256 only. The algorithm is pinned: a token naming any other algorithm, including
 * {@code none}, is refused before its signature is even looked at, which closes the classic algorithm-confusion
 * attacks. The key is shared by every node of the cluster.
 */
public final class AccessTokens {

  private static final Logger log = LoggerFactory.getLogger(AccessTokens.class);

  public static final String ISSUER = "ferry";
  public static final String AUDIENCE = "ferry-api";
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(15);
  /** Tolerated difference between the clocks of the node that issued a token and the one verifying it. */
  public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);
  public static final String KEY_FILE = "jwt.key";
  public static final int KEY_BYTES = 32;

  static final int MAX_TOKEN_LENGTH = 8192;
  private static final JWSAlgorithm ALGORITHM = JWSAlgorithm.HS256;
  private static final String EMAIL = "email";
  private static final String SESSION = "sid";

  public enum Failure {
    MALFORMED, WRONG_ALGORITHM, BAD_SIGNATURE, EXPIRED, NOT_YET_VALID, WRONG_ISSUER, WRONG_AUDIENCE, MISSING_CLAIMS
  }

  /** What a valid token says. {@code sessionId} is the refresh family it was issued with, or null. */
  public record Claims(String userId, String email, String sessionId, String tokenId, Instant issuedAt,
      Instant expiresAt) {}

  /** Either {@code claims} (valid) or {@code failure}. */
  public record Verification(Claims claims, Failure failure) {

    static Verification valid(Claims claims) {
      return new Verification(claims, null);
    }

    static Verification invalid(Failure failure) {
      return new Verification(null, failure);
    }

    public boolean isValid() {
      return claims != null;
    }

    public Optional<Claims> claimsIfValid() {
      return Optional.ofNullable(claims);
    }
  }

  private final MACSigner signer;
  private final MACVerifier verifier;
  private final Duration ttl;

  public AccessTokens(byte[] key) {
    this(key, DEFAULT_TTL);
  }

  public AccessTokens(byte[] key, Duration ttl) {
    if (key == null || key.length < KEY_BYTES) {
      throw new IllegalArgumentException("The access-token key must have at least " + KEY_BYTES + " bytes");
    }
    try {
      this.signer = new MACSigner(key.clone());
      this.verifier = new MACVerifier(key.clone());
    } catch (JOSEException e) {
      throw new IllegalArgumentException("Unusable access-token key", e);
    }
    this.ttl = Objects.requireNonNull(ttl);
  }

  /** The key from {@code FERRY_JWT_KEY} (base64) when set — every node must share it — else from the data dir. */
  public static byte[] loadOrCreateKey(Path dataDir, Optional<String> base64FromEnv) {
    if (base64FromEnv.isPresent() && !base64FromEnv.get().isBlank()) {
      byte[] key = Base64.getDecoder().decode(base64FromEnv.get().strip());
      if (key.length < KEY_BYTES) {
        throw new IllegalArgumentException("The access-token key must have at least " + KEY_BYTES + " bytes");
      }
      return key;
    }
    return loadOrCreateKey(dataDir);
  }

  /** The embedded default: {@code <dataDir>/keys/jwt.key}, made with mode 0600 on first start. */
  public static byte[] loadOrCreateKey(Path dataDir) {
    return KeyFiles.loadOrCreate(dataDir, KEY_FILE, KEY_BYTES);
  }

  public Duration ttl() {
    return ttl;
  }

  public String issue(String userId, String email, Instant now) {
    return issue(userId, email, null, now);
  }

  public String issue(String userId, String email, String sessionId, Instant now) {
    Instant issuedAt = now.truncatedTo(ChronoUnit.SECONDS); // JWT times are whole seconds
    var claims = new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .subject(Objects.requireNonNull(userId))
        .claim(EMAIL, Objects.requireNonNull(email))
        .issueTime(Date.from(issuedAt))
        .expirationTime(Date.from(issuedAt.plus(ttl)))
        .jwtID(OpaqueTokens.randomUrlSafe(16));
    if (sessionId != null) {
      claims.claim(SESSION, sessionId);
    }
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(ALGORITHM).type(JOSEObjectType.JWT).build(), claims.build());
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("Cannot sign an access token", e);
    }
    return jwt.serialize();
  }

  public Verification verify(String token, Instant now) {
    Verification verification = check(token, now);
    if (!verification.isValid()) {
      log.debug("Access token refused: {}", verification.failure());
    }
    return verification;
  }

  private Verification check(String token, Instant now) {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
      return Verification.invalid(Failure.MALFORMED);
    }
    // The algorithm is checked first, from the header alone: unsigned ("alg":"none"), encrypted and any other
    // signed form is refused whatever the rest of the token looks like.
    int dot = token.indexOf('.');
    try {
      Algorithm algorithm = Header.parseAlgorithm(
          JSONObjectUtils.parse(new Base64URL(dot < 0 ? token : token.substring(0, dot)).decodeToString()));
      if (!ALGORITHM.equals(algorithm)) {
        return Verification.invalid(Failure.WRONG_ALGORITHM);
      }
    } catch (ParseException | RuntimeException e) { // hostile input: any parser failure means malformed
      return Verification.invalid(Failure.MALFORMED);
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      return Verification.invalid(Failure.MALFORMED);
    }
    try {
      if (!jwt.verify(verifier)) {
        return Verification.invalid(Failure.BAD_SIGNATURE);
      }
    } catch (JOSEException | IllegalStateException e) {
      return Verification.invalid(Failure.BAD_SIGNATURE);
    }
    try {
      return checkClaims(jwt.getJWTClaimsSet(), now);
    } catch (ParseException e) {
      return Verification.invalid(Failure.MALFORMED);
    }
  }

  private static Verification checkClaims(JWTClaimsSet claims, Instant now) {
    String email;
    String sessionId;
    try {
      email = claims.getStringClaim(EMAIL);
      sessionId = claims.getStringClaim(SESSION);
    } catch (ParseException e) {
      return Verification.invalid(Failure.MISSING_CLAIMS); // present but not a string
    }
    if (claims.getSubject() == null || email == null || claims.getIssuer() == null || claims.getAudience().isEmpty()
        || claims.getIssueTime() == null || claims.getExpirationTime() == null || claims.getJWTID() == null) {
      return Verification.invalid(Failure.MISSING_CLAIMS);
    }
    if (!ISSUER.equals(claims.getIssuer())) {
      return Verification.invalid(Failure.WRONG_ISSUER);
    }
    if (!claims.getAudience().contains(AUDIENCE)) {
      return Verification.invalid(Failure.WRONG_AUDIENCE);
    }
    Instant expiresAt = claims.getExpirationTime().toInstant();
    Instant issuedAt = claims.getIssueTime().toInstant();
    if (!now.isBefore(expiresAt.plus(CLOCK_SKEW))) {
      return Verification.invalid(Failure.EXPIRED);
    }
    Instant latestAcceptable = now.plus(CLOCK_SKEW);
    boolean notBeforeInFuture = claims.getNotBeforeTime() != null
        && claims.getNotBeforeTime().toInstant().isAfter(latestAcceptable);
    if (issuedAt.isAfter(latestAcceptable) || notBeforeInFuture) {
      return Verification.invalid(Failure.NOT_YET_VALID);
    }
    return Verification.valid(new Claims(claims.getSubject(), email, sessionId, claims.getJWTID(), issuedAt,
        expiresAt));
  }
}
