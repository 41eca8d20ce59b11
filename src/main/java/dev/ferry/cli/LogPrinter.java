package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.stream.Stream;

/**
 * Prints a deployment's build log: once, or followed until the build has finished. A followed log reconnects where
 * it left off ({@code ?since=}) when the connection ends before the build does.
 */
final class LogPrinter {

  private static final Duration RECONNECT_PAUSE = Duration.ofMillis(500);
  private static final int MAX_FAILED_CONNECTIONS = 10;

  private final Api api;
  private final PrintStream out;
  private final boolean raw;

  /** {@code raw}: print the API's NDJSON lines as they are (for --json). */
  LogPrinter(Api api, PrintStream out, boolean raw) {
    this.api = api;
    this.out = out;
    this.raw = raw;
  }

  /** Prints the lines after {@code since}; answers the last sequence number printed. */
  long print(String deploymentId, long since, boolean follow) {
    String path = "/api/v1/deployments/" + Api.encode(deploymentId) + "/logs?since=";
    long seq = since;
    int failures = 0;
    while (true) {
      try (Stream<String> lines = api.lines(path + seq + (follow ? "&follow=true" : ""))) {
        for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
          String line = it.next();
          if (line.isBlank()) {
            continue;
          }
          JsonNode json = Json.parse(line);
          seq = Math.max(seq, json.path("seq").asLong(seq));
          out.println(raw ? line : json.path("text").asText());
        }
        failures = 0;
      } catch (IOException | java.io.UncheckedIOException e) {
        if (!follow || ++failures > MAX_FAILED_CONNECTIONS) {
          throw CliException.error("Reading the build log failed: " + e.getMessage());
        }
      }
      if (!follow || finished(deploymentId)) {
        out.flush();
        return seq;
      }
      Api.sleep(RECONNECT_PAUSE);
    }
  }

  private boolean finished(String deploymentId) {
    JsonNode deployment = api.get("/api/v1/deployments/" + Api.encode(deploymentId));
    return Api.FINISHED.contains(deployment.path("state").asText());
  }
}
