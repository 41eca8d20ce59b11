package dev.ferry.api;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.account.Account;
import dev.ferry.account.OpaqueTokens;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code /api/v1/tokens}: API tokens for the CLI and CI, shown once at creation, stored only as hashes. */
public final class TokenRoutes extends AllDirectives {

  static final int MAX_EXPIRY_DAYS = 3650;

  private final ApiContext context;
  private final RequestSupport support;

  public TokenRoutes(ApiContext context, RequestSupport support) {
    this.context = context;
    this.support = support;
  }

  public Route route() {
    return pathPrefix("tokens", () -> support.authenticated(principal -> concat(
        pathEndOrSingleSlash(() -> concat(
            post(() -> support.jsonBody(body -> support.answer(() -> create(principal, body)))),
            get(() -> support.answer(() -> list(principal))))),
        path(segment(), tokenId -> delete(() -> support.answer(() -> revoke(principal, tokenId)))))));
  }

  private CompletionStage<HttpResponse> create(Principal principal, String text) {
    JsonBody body = JsonBody.parse(text, Set.of("name", "expiresInDays"));
    String name = body.required("name", 100);
    Optional<Integer> days = Optional.empty();
    if (body.has("expiresInDays")) {
      JsonNode value = body.node("expiresInDays");
      if (value.isNull()) {
        days = Optional.empty();
      } else if (!value.canConvertToInt() || !value.isIntegralNumber() || value.intValue() < 1
          || value.intValue() > MAX_EXPIRY_DAYS) {
        body.error("expiresInDays", "Must be a whole number of days from 1 to " + MAX_EXPIRY_DAYS);
      } else {
        days = Optional.of(value.intValue());
      }
    }
    body.validate();
    String accountId = Account.normalizeEmail(principal.email());
    String token = OpaqueTokens.newApiToken(accountId);
    String tokenId = "tok_" + OpaqueTokens.randomUrlSafe(9);
    Instant expiresAt = days.map(d -> Instant.now().plus(Duration.ofDays(d))).orElse(null);
    return context.<Account.ApiTokenInfo>askAccount(accountId, replyTo -> new Account.CreateApiToken(tokenId, name,
            OpaqueTokens.sha256Hex(token), expiresAt, principal.initiator(), replyTo))
        .thenApply(info -> Responses.json(201, json(info).put("token", token)));
  }

  private CompletionStage<HttpResponse> list(Principal principal) {
    return context.<Account.ApiTokenList>askAccount(Account.normalizeEmail(principal.email()),
            Account.ListApiTokens::new)
        .thenApply(list -> Responses.list(list.tokens().stream().map(TokenRoutes::json).toList(), null));
  }

  private CompletionStage<HttpResponse> revoke(Principal principal, String tokenId) {
    return context.<Done>askAccount(Account.normalizeEmail(principal.email()),
            replyTo -> new Account.RevokeApiToken(tokenId, principal.initiator(), replyTo))
        .thenApply(done -> Responses.noContent());
  }

  private static ObjectNode json(Account.ApiTokenInfo info) {
    return Json.object()
        .put("id", info.id())
        .put("name", info.name())
        .put("createdAt", Json.time(info.createdAt()))
        .put("expiresAt", Json.time(info.expiresAt()));
  }
}
