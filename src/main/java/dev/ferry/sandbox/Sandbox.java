package dev.ferry.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs one untrusted command (install, build, function) in isolation. Implementations: the process sandbox
 * (embedded default) and the container sandbox (production).
 */
public interface Sandbox {

  /** Blocks until the command ends, times out or is cancelled; every output line goes to {@code log}. */
  Result run(Spec spec, LogSink log, Cancellation cancellation) throws InterruptedException;

  /** What kind of sandbox this is and what it runs commands with (part of the build cache's key). */
  default String description() {
    return getClass().getSimpleName();
  }

  record Spec(List<String> command, Path workDir, Map<String, String> env, Duration timeout, long maxLogBytes) {}

  record Result(int exitCode, boolean timedOut, boolean canceled, boolean logTruncated) {
    public boolean succeeded() {
      return exitCode == 0 && !timedOut && !canceled;
    }
  }

  /** Receives output line by line; stream is "stdout", "stderr" or "system". */
  @FunctionalInterface
  interface LogSink {
    void line(String stream, String text);
  }

  /** Polled by the sandbox while the command runs. */
  @FunctionalInterface
  interface Cancellation {
    boolean isCanceled();
  }
}
