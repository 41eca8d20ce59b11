package dev.ferry.functions;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.sandbox.InstanceSandbox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pre-started instances per runtime ("spares"): the sandbox and the runtime already started, the launcher listening
 * and waiting for a function. Each spare is started on a fresh, empty directory of its own (mounted read-only into
 * its sandbox) and with no variables but the runtime's basics. A cold start takes a spare, places the function's
 * files in that directory and hands the launcher the handler and the deployment's variables (with a token only this
 * node and the spare know); the spare then is that function's instance, for good. A new spare starts in the
 * background. Spares run with the default memory limit, so they serve only functions with the default memory.
 */
final class FunctionSpares implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FunctionSpares.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  static final String TOKEN_VARIABLE = "FERRY_SPARE_TOKEN";
  static final String ASSIGN_PATH = "/__ferry/assign";
  /** After a spare failed to start, none is started for this runtime for this long. */
  private static final long BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** Starts an instance from a spec (the runtime's own starter: sandbox, output, readiness). */
  interface Starter {
    CompletableFuture<FunctionInstance> start(InstanceSandbox.InstanceSpec spec, Path dir);
  }

  /** A started spare: its instance, its own directory and the token its launcher expects. */
  record Spare(FunctionInstance instance, Path dir, String token) {}

  private final FunctionSettings settings;
  private final FunctionFiles files;
  private final Starter starter;
  private final Executor executor;
  private final Map<String, Deque<Spare>> ready = new ConcurrentHashMap<>();
  private final Map<String, Integer> starting = new ConcurrentHashMap<>();
  private final Map<String, Long> failedAt = new ConcurrentHashMap<>();
  private volatile boolean closed;

  FunctionSpares(FunctionSettings settings, FunctionFiles files, Starter starter, Executor executor) {
    this.settings = settings;
    this.files = files;
    this.starter = starter;
    this.executor = executor;
  }

  /** Starts the spares of every runtime (in the background). */
  void fill() {
    for (String runtime : List.of("node", "python")) {
      refill(runtime);
    }
  }

  /**
   * A ready spare for a function of this runtime and memory, taken (a new one starts in the background); null when
   * there is none (spares off, none started yet, or a memory other than the default).
   */
  Spare take(String runtime, int memoryMb) {
    if (settings.sparesPerRuntime() == 0 || memoryMb != settings.defaultMemoryMb()) {
      return null;
    }
    Spare spare = null;
    Deque<Spare> spares = ready.get(runtime);
    if (spares != null) {
      synchronized (spares) {
        while ((spare = spares.pollFirst()) != null && !spare.instance().isAlive()) {
          discard(spare);
        }
      }
    }
    refill(runtime);
    return spare;
  }

  /**
   * Makes the spare the instance of a function: its files linked into the spare's directory, then the launcher told
   * the handler and the variables. Blocking. Throws when the launcher could not load the function (it said why on
   * its output, which is then the function's).
   */
  void assign(Spare spare, Path functionDir, String handler, boolean addHelpers, Map<String, String> env)
      throws IOException {
    files.linkTree(functionDir, spare.dir());
    Map<String, Object> assignment = new LinkedHashMap<>();
    assignment.put("handler", handler);
    assignment.put("helpers", addHelpers);
    assignment.put("env", env);
    byte[] body = JSON.writeValueAsBytes(assignment);
    InstanceConnection.Response response = spare.instance().connection().exchange("POST", ASSIGN_PATH, List.of(
        Map.entry("Host", "localhost"), Map.entry("Content-Type", "application/json"),
        Map.entry("X-Ferry-Spare-Token", spare.token())), body);
    byte[] answer = response.body().readAllBytes();
    if (response.status() != 200) {
      throw new IOException("the launcher could not load the function: "
          + new String(answer, StandardCharsets.UTF_8).trim());
    }
  }

  private void refill(String runtime) {
    if (closed || settings.sparesPerRuntime() == 0) {
      return;
    }
    Long failed = failedAt.get(runtime);
    if (failed != null && System.nanoTime() - failed < BACKOFF_NANOS) {
      return;
    }
    Deque<Spare> spares = ready.computeIfAbsent(runtime, r -> new ArrayDeque<>());
    int missing;
    synchronized (spares) {
      missing = settings.sparesPerRuntime() - spares.size() - starting.getOrDefault(runtime, 0);
      if (missing > 0) {
        starting.merge(runtime, missing, Integer::sum);
      }
    }
    for (int i = 0; i < missing; i++) {
      executor.execute(() -> startOne(runtime, spares));
    }
  }

  private void startOne(String runtime, Deque<Spare> spares) {
    Path dir = null;
    try {
      dir = files.newInstanceDirectory();
      String token = HexFormat.of().formatHex(token());
      Path spareDir = dir;
      FunctionInstance instance = starter.start(spec(runtime, dir, token), dir)
          .get(settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
      instance.onExit().whenComplete((code, failure) -> deleteQuietly(spareDir));
      boolean keep;
      synchronized (spares) {
        starting.merge(runtime, -1, Integer::sum);
        keep = !closed;
        if (keep) {
          spares.addLast(new Spare(instance, dir, token));
        }
      }
      failedAt.remove(runtime);
      if (!keep) {
        instance.kill();
      }
    } catch (Exception e) {
      synchronized (spares) {
        starting.merge(runtime, -1, Integer::sum);
      }
      failedAt.put(runtime, System.nanoTime());
      deleteQuietly(dir);
      if (!closed) {
        log.warn("A spare {} instance could not start ({}); cold starts of {} functions start their own for the "
            + "next minute", runtime, e instanceof java.util.concurrent.ExecutionException && e.getCause() != null
            ? e.getCause().toString() : e.toString(), runtime);
      }
    }
  }

  private static byte[] token() {
    byte[] token = new byte[24];
    RANDOM.nextBytes(token);
    return token;
  }

  /** The spare's command: the launcher waiting for a function, in the empty directory, with the default memory. */
  private InstanceSandbox.InstanceSpec spec(String runtime, Path dir, String token) {
    int memory = settings.defaultMemoryMb();
    Map<String, String> env = new LinkedHashMap<>(FunctionRuntime.baseEnvironment());
    env.put(TOKEN_VARIABLE, token);
    List<String> command = new ArrayList<>(FunctionRuntime.launcherCommand(settings, files, runtime, memory, dir,
        null, true));
    return new InstanceSandbox.InstanceSpec(command, dir, List.of(files.launchers()), env,
        FunctionRuntime.addressSpace(runtime, memory), memory * 1024L * 1024L);
  }

  private void discard(Spare spare) {
    spare.instance().kill();
    deleteQuietly(spare.dir());
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try {
      ApiFunctions.deleteTree(dir);
    } catch (IOException e) {
      log.debug("Could not remove {}: {}", dir, e.toString());
    }
  }

  /** Spares of a runtime ready now, for tests and metrics. */
  int ready(String runtime) {
    Deque<Spare> spares = ready.get(runtime);
    if (spares == null) {
      return 0;
    }
    synchronized (spares) {
      return spares.size();
    }
  }

  @Override
  public void close() {
    closed = true;
    List<Spare> all = new ArrayList<>();
    for (Deque<Spare> spares : ready.values()) {
      synchronized (spares) {
        all.addAll(spares);
        spares.clear();
      }
    }
    all.forEach(this::discard);
  }
}
