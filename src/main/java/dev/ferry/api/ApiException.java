package dev.ferry.api;

import java.util.List;

/** Ends a request with a problem+json answer (RFC 9457). */
public final class ApiException extends RuntimeException {

  public record FieldError(String field, String message) {}

  private final int status;
  private final List<FieldError> errors;

  public ApiException(int status, String detail) {
    this(status, detail, List.of());
  }

  public ApiException(int status, String detail, List<FieldError> errors) {
    super(detail, null, false, false);
    this.status = status;
    this.errors = errors;
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
