package dev.ferry.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Ends a request with a problem+json answer (RFC 9457). */
public final class ApiException extends RuntimeException {

  public record FieldError(String field, String message) {}

  private final int status;
  private final List<FieldError> errors;
  private final Duration retryAfter;
  private final ObjectNode members;

  public ApiException(int status, String detail) {
    this(status, detail, List.of());
  }

  public ApiException(int status, String detail, List<FieldError> errors) {
    this(status, detail, errors, null);
  }

  private ApiException(int status, String detail, List<FieldError> errors, Duration retryAfter) {
    this(status, detail, errors, retryAfter, null);
  }

  private ApiException(int status, String detail, List<FieldError> errors, Duration retryAfter, ObjectNode members) {
    super(detail, null, false, false);
    this.status = status;
    this.errors = errors;
    this.retryAfter = retryAfter;
    this.members = members;
  }

  /** A problem with extension members of its own (RFC 9457 §3.2), e.g. {@code missing} for files not uploaded. */
  public static ApiException withMembers(int status, String detail, ObjectNode members) {
    return new ApiException(status, detail, List.of(), null, members);
  }

  public Optional<ObjectNode> members() {
    return Optional.ofNullable(members);
  }

  public static ApiException tooManyRequests(Duration retryAfter) {
    return new ApiException(429, "Too many requests; retry after " + seconds(retryAfter) + " s", List.of(),
        retryAfter);
  }

  /** Whole seconds, at least one: what {@code Retry-After} carries. */
  public static long seconds(Duration duration) {
    return Math.max(1, (duration.toMillis() + 999) / 1000);
  }

  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  public int status() {
    return status;
  }

  public List<FieldError> errors() {
    return errors;
  }

  public static ApiException notFound(String what) {
    return new ApiException(404, what + " not found");
  }
}
