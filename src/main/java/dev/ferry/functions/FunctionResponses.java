package dev.ferry.functions;

import java.time.Duration;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/** The answers the runtime gives itself, short plain text with Vercel's error code names, never cached. */
final class FunctionResponses {

  private FunctionResponses() {}

  static HttpResponse notFound(String name) {
    return text(404, "NOT_FOUND: the deployment has no function " + name);
  }

  static HttpResponse tooLarge(String what, long maxBytes) {
    return text(413, "FUNCTION_PAYLOAD_TOO_LARGE: the " + what + " body is larger than " + maxBytes + " bytes");
  }

  static HttpResponse saturated(Duration retryAfter) {
    return text(503, "FUNCTION_THROTTLED: the function is at capacity, try again shortly")
        .addHeader(RawHeader.create("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds()))));
  }

  static HttpResponse timeout(Duration maxDuration) {
    return text(504, "FUNCTION_INVOCATION_TIMEOUT: the function did not finish within " + maxDuration.toSeconds()
        + " s");
  }

  static HttpResponse crashed() {
    return text(502, "FUNCTION_INVOCATION_FAILED: the function's instance failed (it may have run out of memory) "
        + "and was stopped");
  }

  static HttpResponse startFailed() {
    return text(502, "FUNCTION_INVOCATION_FAILED: the function could not be started; see its runtime logs");
  }

  private static HttpResponse text(int status, String body) {
    return HttpResponse.create()
        .withStatus(StatusCodes.get(status))
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, body + "\n"))
        .addHeader(RawHeader.create("Cache-Control", "no-store"))
        .addHeader(RawHeader.create("X-Content-Type-Options", "nosniff"));
  }
}
