package dev.ferry.sandbox;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a command as a local process with a scrubbed environment, optionally inside bubblewrap (read-only
 * root, writable work directory, private /tmp and PID namespace). The embedded default sandbox.
 */
public final class ProcessSandbox implements Sandbox {

  static final Path BWRAP = Path.of("/usr/bin/bwrap");
  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private static final Logger logger = LoggerFactory.getLogger(ProcessSandbox.class);
  private static final long POLL_MILLIS = 200;
  private static final long KILL_GRACE_MILLIS = 2_000;
  private static final long PUMP_DRAIN_MILLIS = 5_000;

  private final boolean useBubblewrap;
  private final List<Path> hiddenPaths;

  /** Bubblewrap is used only when asked for and installed at {@code /usr/bin/bwrap}. */
  public ProcessSandbox(boolean useBubblewrap) {
    this(useBubblewrap, List.of());
  }

  /** {@code hiddenPaths} (Ferry's data directory) appear empty to commands run under bubblewrap. */
  public ProcessSandbox(boolean useBubblewrap, List<Path> hiddenPaths) {
    this.useBubblewrap = useBubblewrap && Files.isExecutable(BWRAP);
    this.hiddenPaths = hiddenPaths.stream().map(p -> p.toAbsolutePath().normalize()).toList();
  }

  public static ProcessSandbox detect() {
    return detect(List.of());
  }

  /** Bubblewrap when it is installed and works here (user namespaces may be disabled), else a plain process. */
  public static ProcessSandbox detect(List<Path> hiddenPaths) {
    if (Files.isExecutable(BWRAP) && bubblewrapWorks()) {
      return new ProcessSandbox(true, hiddenPaths);
    }
    logger.warn("bubblewrap is not usable at {}; build commands run as plain processes and can read what this "
        + "user can read (install bubblewrap to isolate them)", BWRAP);
    return new ProcessSandbox(false, hiddenPaths);
  }

  public boolean usesBubblewrap() {
    return useBubblewrap;
  }

  /** Builds run with the host's Node.js: its version decides what an install produces. */
  @Override
  public String description() {
    return (useBubblewrap ? "bubblewrap" : "process") + ", node " + HostNode.VERSION;
  }

  private static final class HostNode {
    static final String VERSION = version();

    private static String version() {
      try {
        Process node = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
        String out = new String(node.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        return node.waitFor(10, TimeUnit.SECONDS) && node.exitValue() == 0 ? out : "unknown";
      } catch (IOException e) {
        return "none";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "unknown";
      }
    }
  }

  @Override
  public Result run(Spec spec, LogSink sink, Cancellation cancellation) throws InterruptedException {
    BoundedLog log = new BoundedLog(sink, spec.maxLogBytes());
    Map<String, String> env;
    try {
      env = environment(spec);
    } catch (IOException e) {
      log.system("Cannot prepare the work directory " + spec.workDir() + ": " + e.getMessage());
      return new Result(126, false, false, false);
    }
    if (spec.command().isEmpty()) {
      log.system("No command to run");
      return new Result(127, false, false, false);
    }
    String program = spec.command().get(0);
    if (findExecutable(program, env.get("PATH"), spec.workDir()).isEmpty()) {
      log.system("Command not found: " + program);
      return new Result(127, false, false, false);
    }
    ProcessBuilder builder = new ProcessBuilder(useBubblewrap ? bubblewrapCommand(spec, hiddenPaths) : spec.command())
        .directory(spec.workDir().toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().clear();
    builder.environment().putAll(env);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      log.system("Command could not be started: " + e.getMessage());
      return new Result(127, false, false, false);
    }
    return supervise(process, spec, log, cancellation);
  }

  private Result supervise(Process process, Spec spec, BoundedLog log, Cancellation cancellation)
      throws InterruptedException {
    Thread stdout = startPump(process, "stdout", log);
    Thread stderr = startPump(process, "stderr", log);
    // Descendants are remembered while the command runs: once their parent exits they are re-parented and
    // can no longer be found from it, yet they may still hold the output pipes open.
    Set<ProcessHandle> tree = new LinkedHashSet<>();
    long deadline = System.nanoTime() + spec.timeout().toNanos();
    boolean timedOut;
    boolean canceled;
    try {
      CommandWatch.Ending ending = CommandWatch.await(() -> {
        boolean exited = process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS);
        if (!exited) {
          process.descendants().forEach(tree::add);
        }
        return exited;
      }, cancellation, deadline);
      timedOut = ending == CommandWatch.Ending.TIMED_OUT;
      canceled = ending == CommandWatch.Ending.CANCELED;
    } catch (InterruptedException e) {
      log.close();
      throw e;
    } finally {
      killTree(process, tree);
    }
    long drainEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PUMP_DRAIN_MILLIS);
    for (Thread pump : List.of(stdout, stderr)) {
      pump.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(drainEnd - System.nanoTime())));
    }
    if (stdout.isAlive() || stderr.isAlive()) {
      log.system("Stopped reading output: a background process the command started still holds it open");
    }
    if (timedOut) {
      log.system("Command timed out after " + format(spec.timeout()));
    } else if (canceled) {
      log.system("Command canceled");
    }
    log.close();
    return new Result(process.waitFor(), timedOut, canceled, log.truncated());
  }

  private static Thread startPump(Process process, String stream, BoundedLog log) {
    LinePump pump = new LinePump(
        stream.equals("stdout") ? process.getInputStream() : process.getErrorStream(), stream, log);
    Thread thread = new Thread(pump, "sandbox-" + process.pid() + "-" + stream);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** Asks the whole tree to stop, then kills what is left after a grace period. */
  private static void killTree(Process process, Set<ProcessHandle> tree) throws InterruptedException {
    if (process.isAlive()) {
      process.descendants().forEach(tree::add);
    }
    List<ProcessHandle> alive = new ArrayList<>();
    alive.add(process.toHandle());
    alive.addAll(tree);
    alive.removeIf(handle -> !handle.isAlive());
    if (alive.isEmpty()) {
      return;
    }
    alive.forEach(ProcessHandle::destroy);
    try {
      CompletableFuture.allOf(alive.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new))
          .get(KILL_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      alive.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
  }

  private static Map<String, String> environment(Spec spec) throws IOException {
    String hostPath = System.getenv("PATH");
    return SandboxEnvironment.of(spec, hostPath == null || hostPath.isBlank() ? DEFAULT_PATH : hostPath);
  }

  /** Resolves the program the way execvp would, against the PATH the command itself will see. */
  static Optional<Path> findExecutable(String program, String path, Path workDir) {
    if (program.contains("/")) {
      Path candidate = workDir.resolve(program);
      return Files.isExecutable(candidate) && !Files.isDirectory(candidate) ? Optional.of(candidate) : Optional.empty();
    }
    for (String dir : (path == null ? DEFAULT_PATH : path).split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
      if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  static List<String> bubblewrapCommand(Spec spec, List<Path> hiddenPaths) {
    String workDir = spec.workDir().toAbsolutePath().toString();
    List<String> command = new ArrayList<>(List.of(
        BWRAP.toString(),
        "--ro-bind", "/", "/",
        "--dev", "/dev",
        "--proc", "/proc",
        "--tmpfs", "/tmp"));
    for (Path hidden : hiddenPaths) {
      command.addAll(List.of("--tmpfs", hidden.toString()));
    }
    command.addAll(List.of(
        // After the tmpfs mounts, so a work directory under /tmp or the data directory is not hidden by them.
        "--bind", workDir, workDir,
        "--unshare-pid",
        "--die-with-parent",
        // A new session keeps the command from injecting input into a controlling terminal (CVE-2017-5226).
        "--new-session",
        "--chdir", workDir,
        "--"));
    command.addAll(spec.command());
    return command;
  }

  /** Probes with the very flags a real run uses, since e.g. a PID namespace may be refused where a bind is not. */
  private static boolean bubblewrapWorks() {
    Path probeDir = Path.of(System.getProperty("java.io.tmpdir"));
    Spec probeSpec = new Spec(List.of("true"), probeDir, Map.of(), Duration.ofSeconds(10), 0);
    try {
      Process probe = new ProcessBuilder(bubblewrapCommand(probeSpec, List.of()))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (!probe.waitFor(10, TimeUnit.SECONDS)) {
        probe.destroyForcibly();
        return false;
      }
      return probe.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A duration the way people write it: 15m, 90s, 250ms. */
  public static String format(Duration duration) {
    long millis = duration.toMillis();
    if (millis % 3_600_000 == 0 && millis > 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0 && millis > 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1_000 == 0) {
      return millis / 1_000 + "s";
    }
    return millis + "ms";
  }
}
