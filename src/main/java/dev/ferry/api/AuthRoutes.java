package dev.ferry.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.account.AccessTokens;
import dev.ferry.account.Account;
import dev.ferry.account.OpaqueTokens;
import dev.ferry.account.Passwords;
import dev.ferry.common.Initiator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.http.javadsl.model.DateTime;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.HttpCookie;
import org.apache.pekko.http.javadsl.model.headers.SameSite;
import org.apache.pekko.http.javadsl.model.headers.SetCookie;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /api/v1/auth} and {@code /api/v1/user}: sign-up, login, refresh-token rotation, logout. Access tokens are
 * short-lived JWTs; refresh tokens are opaque, stored only as hashes, and rotate on every use.
 */
public final class AuthRoutes extends AllDirectives {

  private static final Set<String> CREDENTIAL_FIELDS = Set.of("email", "password");

  private final ApiContext context;
  private final RequestSupport support;

  public AuthRoutes(ApiContext context, RequestSupport support) {
    this.context = context;
    this.support = support;
  }

  public Route route() {
    return concat(
        pathPrefix("auth", () -> concat(
            path("signup", () -> post(() -> support.limitedByAddress(() -> support.jsonBody(body ->
                support.answer(() -> signup(body)))))),
            path("login", () -> post(() -> support.limitedByAddress(() -> support.jsonBody(body ->
                support.answer(() -> login(body)))))),
            path("refresh", () -> post(() -> support.limitedByAddress(() -> extractRequest(request ->
                support.jsonBody(body -> support.answer(() -> refresh(body,
                    Authenticator.cookie(request, Authenticator.REFRESH_COOKIE),
                    Authenticator.csrfMatches(request)))))))),
            path("logout", () -> post(() -> support.authenticated(principal ->
                support.answer(() -> logout(principal))))))),
        path("user", () -> get(() -> support.authenticated(principal ->
            support.answer(() -> user(principal))))));
  }

  private CompletionStage<HttpResponse> signup(String text) {
    if (!context.settings().auth().signupEnabled()) {
      throw new ApiException(403, "Sign-up is closed on this installation");
    }
    Credentials credentials = credentials(text, true);
    support.limitAccount(credentials.accountId());
    return CompletableFuture.supplyAsync(() -> Passwords.hash(credentials.password()), context.blocking())
        .thenCompose(hash -> context.<Account.State>askAccount(credentials.accountId(),
            replyTo -> new Account.SignUp(Account.newUserId(), hash, Initiator.anonymous(), replyTo)))
        .exceptionally(failure -> {
          throw conflictIfTaken(failure);
        })
        .thenCompose(account -> startSession(account, 201));
  }

  private CompletionStage<HttpResponse> login(String text) {
    Credentials credentials = credentials(text, false);
    support.limitAccount(credentials.accountId());
    ApiException wrong = new ApiException(401, "Wrong e-mail or password");
    return context.<Account.State>askAccount(credentials.accountId(), Account.Get::new)
        .handle((account, missing) -> Optional.ofNullable(missing == null ? account : null))
        .thenApplyAsync(account -> {
          // Unknown accounts cost a bcrypt check too, so timing does not tell which e-mails exist.
          boolean valid = account.isPresent()
              ? Passwords.verify(credentials.password(), account.get().passwordHash())
              : Passwords.verifyDummy(credentials.password());
          if (!valid) {
            throw wrong;
          }
          return account.get();
        }, context.blocking())
        .thenCompose(account -> startSession(account, 200));
  }

  private CompletionStage<HttpResponse> refresh(String text, Optional<String> cookieToken, boolean csrfMatches) {
    JsonBody body = JsonBody.parse(text, Set.of("refreshToken"));
    Optional<String> fromBody = body.string("refreshToken", 512);
    body.validate();
    // The refresh cookie is sent by the browser on its own, so using it needs the CSRF header as any cookie request.
    if (fromBody.isEmpty() && cookieToken.isPresent() && !csrfMatches) {
      throw new ApiException(403,
          "Refreshing with the refresh cookie needs an X-CSRF-Token header matching the ferry_csrf cookie");
    }
    Optional<String> token = fromBody.or(() -> cookieToken);
    if (token.isEmpty()) {
      throw new ApiException(400, "refreshToken is required", List.of(
          new ApiException.FieldError("refreshToken", "Is required")));
    }
    Optional<String> accountId = OpaqueTokens.accountId(token.get(), OpaqueTokens.REFRESH_PREFIX);
    if (accountId.isEmpty()) {
      throw Authenticator.unauthorized("Invalid refresh token");
    }
    String next = OpaqueTokens.newRefreshToken(accountId.get());
    return context.<Account.Session>askAccount(accountId.get(), replyTo -> new Account.RotateRefreshToken(
            OpaqueTokens.sha256Hex(token.get()), OpaqueTokens.sha256Hex(next), Instant.now(),
            context.settings().auth().refreshLifetime(), replyTo))
        .thenApply(session -> tokens(session.userId(), session.email(), session.familyId(), next, 200));
  }

  private CompletionStage<HttpResponse> logout(Principal principal) {
    CompletionStage<Done> revoked = principal.kind() == Principal.Kind.SESSION && principal.credentialId() != null
        ? context.<Done>askAccount(Account.normalizeEmail(principal.email()),
            replyTo -> new Account.RevokeFamily(principal.credentialId(), principal.initiator(), replyTo))
        : CompletableFuture.completedFuture(Done.getInstance());
    return revoked.thenApply(done -> Responses.noContent().withHeaders(clearedCookies()));
  }

  private CompletionStage<HttpResponse> user(Principal principal) {
    return context.<Account.State>askAccount(Account.normalizeEmail(principal.email()), Account.Get::new)
        .thenApply(account -> Responses.json(200, Json.object()
            .put("id", account.userId())
            .put("email", account.email())
            .put("createdAt", Json.time(account.createdAt()))));
  }

  private CompletionStage<HttpResponse> startSession(Account.State account, int status) {
    String familyId = OpaqueTokens.randomUrlSafe(12);
    String refreshToken = OpaqueTokens.newRefreshToken(account.email());
    return context.<Account.Session>askAccount(account.email(), replyTo -> new Account.StartSession(familyId,
            OpaqueTokens.sha256Hex(refreshToken), Instant.now(), Initiator.user(account.userId()), replyTo))
        .thenApply(session -> tokens(account.userId(), account.email(), familyId, refreshToken, status));
  }

  /** The token pair as JSON, and the same as cookies for the dashboard (with a CSRF cookie it can read). */
  private HttpResponse tokens(String userId, String email, String familyId, String refreshToken, int status) {
    AccessTokens accessTokens = context.accessTokens();
    String accessToken = accessTokens.issue(userId, email, familyId, Instant.now());
    ObjectNode body = Json.object();
    body.putObject("user").put("id", userId).put("email", email);
    body.put("accessToken", accessToken);
    body.put("refreshToken", refreshToken);
    body.put("expiresIn", accessTokens.ttl().toSeconds());
    Duration refreshLifetime = context.settings().auth().refreshLifetime();
    return Responses.json(status, body).withHeaders(List.of(
        SetCookie.create(cookie(Authenticator.SESSION_COOKIE, accessToken, "/", accessTokens.ttl(), true)),
        SetCookie.create(cookie(Authenticator.REFRESH_COOKIE, refreshToken, "/api/v1/auth", refreshLifetime, true)),
        SetCookie.create(cookie(Authenticator.CSRF_COOKIE, OpaqueTokens.randomUrlSafe(24), "/", refreshLifetime,
            false))));
  }

  private List<HttpHeader> clearedCookies() {
    return List.of(
        SetCookie.create(cookie(Authenticator.SESSION_COOKIE, "", "/", Duration.ZERO, true)),
        SetCookie.create(cookie(Authenticator.REFRESH_COOKIE, "", "/api/v1/auth", Duration.ZERO, true)),
        SetCookie.create(cookie(Authenticator.CSRF_COOKIE, "", "/", Duration.ZERO, false)));
  }

  private HttpCookie cookie(String name, String value, String path, Duration maxAge, boolean httpOnly) {
    HttpCookie cookie = HttpCookie.create(name, value)
        .withPath(path)
        .withMaxAge(maxAge.toSeconds())
        .withSameSite(SameSite.Strict)
        .withHttpOnly(httpOnly)
        .withSecure(context.settings().auth().secureCookies());
    return maxAge.isZero() ? cookie.withExpires(DateTime.create(1970, 1, 1, 0, 0, 0)) : cookie;
  }

  private record Credentials(String accountId, char[] password) {}

  /** The password policy applies to new passwords only: a login just checks what it is given. */
  private static Credentials credentials(String text, boolean newPassword) {
    JsonBody body = JsonBody.parse(text, CREDENTIAL_FIELDS);
    String email = body.required("email", 254);
    String password = body.required("password", 1024);
    String accountId = email == null ? null : Account.normalizeEmail(email);
    if (accountId != null && !Account.isValidEmail(accountId)) {
      body.error("email", "Must be an e-mail address");
    }
    if (password != null && newPassword) {
      Passwords.policyViolation(password.toCharArray()).ifPresent(problem -> body.error("password", problem));
    }
    body.validate();
    return new Credentials(accountId, password.toCharArray());
  }

  private static RuntimeException conflictIfTaken(Throwable failure) {
    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof org.apache.pekko.pattern.StatusReply.ErrorMessage error
        && dev.ferry.common.Rejection.status(error.getMessage()) == 409) {
      return new ApiException(409, "An account with this e-mail address already exists");
    }
    return failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure);
  }
}
