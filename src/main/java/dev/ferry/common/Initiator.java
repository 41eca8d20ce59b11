package dev.ferry.common;

/**
 * Who asked for a change: every command carries one and every event records it, so replaying a persistence id
 * is an audit trail.
 */
public record Initiator(Kind kind, String id) implements CborSerializable {

  public enum Kind { USER, API_TOKEN, WEBHOOK, SYSTEM, ANONYMOUS }

  public static Initiator system(String component) {
    return new Initiator(Kind.SYSTEM, component);
  }

  public static Initiator anonymous() {
    return new Initiator(Kind.ANONYMOUS, "anonymous");
  }

  public static Initiator user(String userId) {
    return new Initiator(Kind.USER, userId);
  }
}
