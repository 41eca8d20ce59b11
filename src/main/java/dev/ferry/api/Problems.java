package dev.ferry.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.common.Rejection;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.http.scaladsl.model.IllegalRequestException;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every API error as {@code application/problem+json} with type, title, status, detail (and field errors). */
public final class Problems {

  private static final Logger log = LoggerFactory.getLogger(Problems.class);
  public static final ContentType.NonBinary PROBLEM_JSON =
      MediaTypes.applicationWithFixedCharset("problem+json", HttpCharsets.UTF_8).toContentType();

  private Problems() {}

  public static HttpResponse response(int status, String detail, List<ApiException.FieldError> errors) {
    return response(status, detail, errors, null);
  }

  /** {@code members}: extension members added after the standard ones (null: none). */
  public static HttpResponse response(int status, String detail, List<ApiException.FieldError> errors,
      ObjectNode members) {
    var code = StatusCodes.get(status);
    ObjectNode body = Json.object();
    body.put("type", "https://ferry.dev/problems/" + slug(code.reason()));
    body.put("title", code.reason());
    body.put("status", status);
    body.put("detail", detail);
    if (!errors.isEmpty()) {
      ArrayNode list = body.putArray("errors");
      errors.forEach(e -> list.addObject().put("field", e.field()).put("message", e.message()));
    }
    if (members != null) {
      members.fields().forEachRemaining(member -> body.putIfAbsent(member.getKey(), member.getValue()));
    }
    return HttpResponse.create().withStatus(code).withEntity(HttpEntities.create(PROBLEM_JSON, Json.write(body)));
  }

  /** Maps a failed request to its problem: our own exceptions, entity rejections, timeouts, then 500. */
  public static HttpResponse fromFailure(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof ApiException api) {
      HttpResponse plain = response(api.status(), api.getMessage(), api.errors(), api.members().orElse(null));
      HttpResponse response = api.status() == 401
          ? plain.addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"ferry\""))
          : plain;
      return api.retryAfter()
          .map(wait -> response.addHeader(RawHeader.create("Retry-After",
              Long.toString(ApiException.seconds(wait)))))
          .orElse(response);
    }
    if (cause instanceof StatusReply.ErrorMessage rejection) {
      int status = Rejection.status(rejection.getMessage());
      if (status != 500) {
        return response(status, Rejection.detail(rejection.getMessage()), List.of());
      }
    }
    if (cause instanceof EntityStreamSizeException) {
      return response(413, "The request body is too large", List.of());
    }
    if (cause instanceof IllegalRequestException illegal) {
      // Pekko's own verdict on a request, e.g. a body over the size limit when it is read whole (413).
      int status = illegal.status().intValue();
      return response(status, status == 413 ? "The request body is too large" : illegal.info().summary(), List.of());
    }
    if (cause instanceof TimeoutException || cause.getClass().getSimpleName().contains("Timeout")) {
      return response(503, "The cluster did not answer in time; try again", List.of());
    }
    log.error("Request failed", cause);
    return response(500, "Internal error", List.of());
  }

  private static String slug(String reason) {
    return reason.toLowerCase().replaceAll("[^a-z0-9]+", "-");
  }
}
