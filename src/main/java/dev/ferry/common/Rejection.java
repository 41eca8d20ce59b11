package dev.ferry.common;

import org.apache.pekko.pattern.StatusReply;

/**
 * Entities reject commands with a {@link StatusReply} error whose message starts with the HTTP status it maps to
 * ("404 Project not found"); messages cross the cluster as plain strings, so the status travels with them.
 */
public final class Rejection {

  private Rejection() {}

  public static <T> StatusReply<T> notFound(String detail) {
    return of(404, detail);
  }

  public static <T> StatusReply<T> conflict(String detail) {
    return of(409, detail);
  }

  public static <T> StatusReply<T> invalid(String detail) {
    return of(422, detail);
  }

  public static <T> StatusReply<T> of(int status, String detail) {
    return StatusReply.error(status + " " + detail);
  }

  /** The status carried by a rejection message, or 500 for any other failure. */
  public static int status(String message) {
    if (message != null && message.length() > 4 && message.charAt(3) == ' ') {
      try {
        return Integer.parseInt(message.substring(0, 3));
      } catch (NumberFormatException ignored) {
        // not a rejection
      }
    }
    return 500;
  }

  public static String detail(String message) {
    return status(message) == 500 ? message : message.substring(4);
  }
}
