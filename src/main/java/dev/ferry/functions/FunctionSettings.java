package dev.ferry.functions;

import com.typesafe.config.Config;
import java.time.Duration;

/** The {@code ferry.functions} block of the configuration ({@code functions.conf}). */
public record FunctionSettings(
    int maxInstancesPerFunction,
    int maxQueuedRequests,
    Duration queueTimeout,
    Duration retryAfter,
    Duration idleTimeout,
    Duration startTimeout,
    int defaultMemoryMb,
    int defaultMaxDurationSeconds,
    int maxDurationLimitSeconds,
    long maxBodyBytes,
    String node,
    String python,
    int sparesPerRuntime) {

  public FunctionSettings {
    if (maxInstancesPerFunction < 1 || maxQueuedRequests < 0 || defaultMemoryMb < 64 || maxBodyBytes < 1
        || defaultMaxDurationSeconds < 1 || maxDurationLimitSeconds < 1 || sparesPerRuntime < 0) {
      throw new IllegalArgumentException("ferry.functions: instances, memory, durations and body size must be "
          + "positive (memory at least 64 MB), spares-per-runtime zero or more");
    }
  }

  public static FunctionSettings from(Config config) {
    // A configuration made without application.conf (tests, embedding) gets functions.conf's defaults.
    Config f = config.withFallback(com.typesafe.config.ConfigFactory.parseResources("functions.conf").resolve())
        .getConfig("ferry.functions");
    return new FunctionSettings(
        f.getInt("max-instances-per-function"),
        f.getInt("max-queued-requests"),
        f.getDuration("queue-timeout"),
        f.getDuration("retry-after"),
        f.getDuration("idle-timeout"),
        f.getDuration("start-timeout"),
        f.getInt("default-memory"),
        f.getInt("default-max-duration"),
        f.getInt("max-duration-limit"),
        f.getBytes("max-body-size"),
        f.getString("node"),
        f.getString("python"),
        f.getInt("spares-per-runtime"));
  }

  /**
   * The same settings with {@code node} and {@code python} resolved to the interpreters' real paths (version
   * managers' shims cost a start of their own, and need the user's environment).
   */
  public FunctionSettings withResolvedInterpreters() {
    return new FunctionSettings(maxInstancesPerFunction, maxQueuedRequests, queueTimeout, retryAfter, idleTimeout,
        startTimeout, defaultMemoryMb, defaultMaxDurationSeconds, maxDurationLimitSeconds, maxBodyBytes,
        resolve(node, "-p", "process.execPath"), resolvePython(python), sparesPerRuntime);
  }

  /** The same settings with {@code spares} pre-started instances per runtime (0: none). */
  public FunctionSettings withSpares(int spares) {
    return new FunctionSettings(maxInstancesPerFunction, maxQueuedRequests, queueTimeout, retryAfter, idleTimeout,
        startTimeout, defaultMemoryMb, defaultMaxDurationSeconds, maxDurationLimitSeconds, maxBodyBytes, node, python,
        spares);
  }

  /**
   * The real path of a Python interpreter ({@code pyenv}'s shim, for one, fails a {@code pip install} that it
   * cannot follow with a rehash in a read-only sandbox); the name itself when it cannot be found.
   */
  static String resolvePython(String python) {
    return resolve(python, "-c", "import sys; print(sys.executable)");
  }

  private static String resolve(String program, String... probe) {
    String resolved = resolved(program, probe);
    return resolved == null ? program : resolved;
  }

  /** What the program printed for the probe (its path); null when it failed. */
  private static String resolved(String program, String... probe) {
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(program));
    command.addAll(java.util.List.of(probe));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
      if (process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && process.exitValue() == 0
          && out.startsWith("/") && !out.contains("\n")) {
        return out;
      }
    } catch (java.io.IOException e) {
      // not installed: functions of this runtime fail to start, and say so in their runtime log
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return null;
  }

  /** The memory limit of a function in MB. */
  public int memoryMb(Integer configured) {
    return configured == null ? defaultMemoryMb : configured;
  }

  /** The time limit of one invocation of a function. */
  public Duration maxDuration(Integer configured) {
    int seconds = configured == null ? defaultMaxDurationSeconds : Math.min(configured, maxDurationLimitSeconds);
    return Duration.ofSeconds(seconds);
  }
}
