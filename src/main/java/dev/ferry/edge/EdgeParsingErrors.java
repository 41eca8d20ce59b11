package dev.ferry.edge;

import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.DefaultParsingErrorHandler$;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * The edge's answers to requests Pekko cannot parse into a request. They are the client's errors, so they are 4xx:
 * an unknown method is answered like any method the edge does not serve (405, Allow: GET, HEAD) rather than with
 * 501, and a request line that is not {@code METHOD target HTTP/1.x} (e.g. a space in the target) with 400 rather
 * than 505. Everything else is Pekko's default answer. Set on the edge's listeners only (see {@link EdgeServer}).
 */
public final class EdgeParsingErrors extends ParsingErrorHandler {

  @Override
  public HttpResponse handle(StatusCode status, ErrorInfo error, LoggingAdapter log, ServerSettings settings) {
    int code = status.intValue();
    if (code == 501) {
      return EdgeResponses.methodNotAllowed();
    }
    if (code == 505) {
      return HttpResponse.create()
          .withStatus(StatusCodes.BAD_REQUEST)
          .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, "Bad request: malformed request line"))
          .addHeader(EdgeResponses.NOSNIFF);
    }
    return DefaultParsingErrorHandler$.MODULE$.handle(status, error, log, settings);
  }

}
