package dev.ferry.edge;

import dev.ferry.output.Result;
import dev.ferry.storage.Manifest;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/** Runs a deployment's function for a request the routes sent to it (see {@code dev.ferry.functions}). */
@FunctionalInterface
public interface FunctionInvoker {

  /**
   * @param path the request's path as sent (percent-encoded, without the query)
   * @param function what routing decided: the function's name and the query it gets
   */
  CompletionStage<HttpResponse> invoke(String deploymentId, Manifest manifest, Result.ServeFunction function,
      String path, HttpRequest request);

  /** The largest request body a function takes; the edge collects no more of one than this. */
  default long maxRequestBodyBytes() {
    return Long.MAX_VALUE;
  }
}
