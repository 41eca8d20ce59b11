package dev.ferry.api;

import dev.ferry.common.Initiator;

/** Who an authenticated request acts for: a user by session (bearer access token or cookie) or by API token. */
public record Principal(String userId, String email, Kind kind, String credentialId, boolean fromCookie) {

  public enum Kind { SESSION, API_TOKEN }

  /** What the entities record as the author of a change. */
  public Initiator initiator() {
    return kind == Kind.API_TOKEN
        ? new Initiator(Initiator.Kind.API_TOKEN, userId + "/" + credentialId)
        : Initiator.user(userId);
  }
}
