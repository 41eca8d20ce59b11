package dev.ferry.api;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Ends a request with a problem+json answer (RFC 9457). */
public final class ApiException extends RuntimeException {

  public record FieldError(String field, String message) {}

  private final int status;
  private final List<FieldError> errors;
  private final Duration retryAfter;

  public ApiException(int status, String detail) {
    this(status, detail, List.of());
  }

  public ApiException(int status, String detail, List<FieldError> errors) {
    this(status, detail, errors, null);
  }

  private ApiException(int status, String detail, List<FieldError> errors, Duration retryAfter) {
    super(detail, null, false, false);
    this.status = status;
    this.errors = errors;
    this.retryAfter = retryAfter;
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
