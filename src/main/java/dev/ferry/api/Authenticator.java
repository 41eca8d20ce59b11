package dev.ferry.api;

import dev.ferry.account.AccessTokens;
import dev.ferry.account.Account;
import dev.ferry.account.OpaqueTokens;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.Authorization;
import org.apache.pekko.http.javadsl.model.headers.Cookie;
import org.apache.pekko.http.javadsl.model.headers.HttpCookiePair;
import org.apache.pekko.pattern.StatusReply;

/**
 * Finds who a request acts for: {@code Authorization: Bearer} with an access token (JWT) or an API token
 * ({@code ferry_pat_...}), or the dashboard's session cookie — which, for state-changing requests, must come with
 * an {@code X-CSRF-Token} header equal to the {@code ferry_csrf} cookie, and for WebSockets from the API's own origin.
 */
final class Authenticator {

  static final String SESSION_COOKIE = "ferry_session";
  static final String REFRESH_COOKIE = "ferry_refresh";
  static final String CSRF_COOKIE = "ferry_csrf";
  static final String CSRF_HEADER = "X-CSRF-Token";

  private final ApiContext context;

  Authenticator(ApiContext context) {
    this.context = context;
  }

  /** The principal, or a failed stage with a 401 (no or bad credentials) or 403 (CSRF) {@link ApiException}. */
  CompletionStage<Principal> authenticate(HttpRequest request) {
    Optional<String> bearer = request.getHeader(Authorization.class)
        .map(Authorization::value)
        .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(value -> value.substring(7).trim());
    if (bearer.isPresent()) {
      return fromBearer(bearer.get());
    }
    Optional<String> session = cookie(request, SESSION_COOKIE);
    if (session.isPresent()) {
      if (!isSafe(request) && !csrfMatches(request)) {
        return CompletableFuture.failedFuture(new ApiException(403,
            "Cookie-authenticated requests that change state need an X-CSRF-Token header matching the ferry_csrf cookie"));
      }
      if (isWebSocket(request) && !fromOwnOrigin(request)) {
        // CORS does not cover WebSockets: a page of another origin (a deployed site is same-site) must not read logs.
        return CompletableFuture.failedFuture(new ApiException(403,
            "Cookie-authenticated WebSocket requests must come from the dashboard's own origin"));
      }
      return fromAccessToken(session.get(), true);
    }
    return CompletableFuture.failedFuture(unauthorized("Authentication required: send a Bearer token"));
  }

  private CompletionStage<Principal> fromBearer(String token) {
    if (token.startsWith(OpaqueTokens.API_TOKEN_PREFIX)) {
      Optional<String> accountId = OpaqueTokens.accountId(token, OpaqueTokens.API_TOKEN_PREFIX);
      if (accountId.isEmpty()) {
        return CompletableFuture.failedFuture(unauthorized("Invalid API token"));
      }
      String hash = OpaqueTokens.sha256Hex(token);
      return context.<Account.TokenPrincipal>askAccount(accountId.get(),
              replyTo -> new Account.AuthenticateApiToken(hash, Instant.now(), replyTo))
          .handle((principal, failure) -> {
            if (failure != null) {
              throw rejectedOr(failure, "Invalid API token");
            }
            return new Principal(principal.userId(), principal.email(), Principal.Kind.API_TOKEN,
                principal.tokenId(), false);
          });
    }
    return fromAccessToken(token, false);
  }

  private CompletionStage<Principal> fromAccessToken(String token, boolean fromCookie) {
    AccessTokens.Verification verification = context.accessTokens().verify(token, Instant.now());
    if (!verification.isValid()) {
      return CompletableFuture.failedFuture(unauthorized(switch (verification.failure()) {
        case EXPIRED -> "The access token has expired; refresh it";
        default -> "Invalid access token";
      }));
    }
    AccessTokens.Claims claims = verification.claims();
    return CompletableFuture.completedFuture(
        new Principal(claims.userId(), claims.email(), Principal.Kind.SESSION, claims.sessionId(), fromCookie));
  }

  private static RuntimeException rejectedOr(Throwable failure, String message) {
    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof StatusReply.ErrorMessage) {
      return unauthorized(message);
    }
    return failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure);
  }

  static ApiException unauthorized(String detail) {
    return new ApiException(401, detail);
  }

  static Optional<String> cookie(HttpRequest request, String name) {
    return request.getHeader(Cookie.class).flatMap(cookie -> {
      for (HttpCookiePair pair : cookie.getCookies()) {
        if (pair.name().equals(name)) {
          return Optional.of(pair.value());
        }
      }
      return Optional.empty();
    });
  }

  private static boolean isSafe(HttpRequest request) {
    return request.method().equals(HttpMethods.GET) || request.method().equals(HttpMethods.HEAD)
        || request.method().equals(HttpMethods.OPTIONS);
  }

  private static boolean isWebSocket(HttpRequest request) {
    return request.getHeader("Upgrade").map(h -> h.value().equalsIgnoreCase("websocket")).orElse(false);
  }

  /** The Origin header names this API's own host (or an origin allowed by FERRY_CORS_ORIGINS). */
  private boolean fromOwnOrigin(HttpRequest request) {
    Optional<String> origin = request.getHeader("Origin").map(h -> h.value());
    Optional<String> host = request.getHeader("Host").map(h -> h.value());
    if (origin.isEmpty()) {
      return false;
    }
    return host.map(h -> origin.get().equals("http://" + h) || origin.get().equals("https://" + h)).orElse(false)
        || context.settings().corsOrigins().contains(origin.get());
  }

  static boolean csrfMatches(HttpRequest request) {
    Optional<String> header = request.getHeader(CSRF_HEADER).map(h -> h.value());
    Optional<String> cookie = cookie(request, CSRF_COOKIE);
    return header.isPresent() && cookie.isPresent() && !cookie.get().isEmpty()
        && OpaqueTokens.constantTimeEquals(header.get(), cookie.get());
  }
}
