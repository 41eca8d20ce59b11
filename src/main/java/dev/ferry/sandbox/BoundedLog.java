package dev.ferry.sandbox;

import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes output lines to a {@link Sandbox.LogSink} one at a time (the stdout and stderr pumps call it
 * concurrently) until the byte limit is reached, then drops output and says so once. A limit of zero or
 * less means no limit.
 */
final class BoundedLog {

  private static final Logger logger = LoggerFactory.getLogger(BoundedLog.class);

  private final Sandbox.LogSink sink;
  private final long maxBytes;
  private long bytes;
  private boolean truncated;
  private boolean closed;

  BoundedLog(Sandbox.LogSink sink, long maxBytes) {
    this.sink = sink;
    this.maxBytes = maxBytes <= 0 ? Long.MAX_VALUE : maxBytes;
  }

  synchronized void output(String stream, String text) {
    if (truncated || closed) {
      return;
    }
    long lineBytes = text.getBytes(StandardCharsets.UTF_8).length + 1L;
    if (bytes + lineBytes > maxBytes) {
      truncated = true;
      deliver("system", "Log truncated: output exceeded " + maxBytes + " bytes; further output is dropped");
      return;
    }
    bytes += lineBytes;
    deliver(stream, text);
  }

  /** Messages from the sandbox itself are always delivered: they explain how the command ended. */
  synchronized void system(String text) {
    if (!closed) {
      deliver("system", text);
    }
  }

  /** After the run has returned, output still trickling in from stray processes is dropped. */
  synchronized void close() {
    closed = true;
  }

  synchronized boolean truncated() {
    return truncated;
  }

  private void deliver(String stream, String text) {
    try {
      sink.line(stream, text);
    } catch (RuntimeException e) {
      // A failing subscriber must not stop the pumps, or the command would block on a full pipe.
      logger.warn("log sink failed on a {} line", stream, e);
    }
  }
}
