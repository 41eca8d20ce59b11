package dev.ferry.functions;

import dev.ferry.edge.FunctionInvoker;
import dev.ferry.logs.RuntimeLogStore;
import dev.ferry.output.Result;
import dev.ferry.sandbox.InstanceSandbox;
import dev.ferry.storage.Manifest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SystemMaterializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the functions of the deployments this node serves: one {@link FunctionPool} per function of a deployment,
 * its instances started in the sandbox from the function's unpacked files with the deployment's runtime variables,
 * the function's memory limit and a launcher for its runtime. A request's body is read (up to the limit, else 413),
 * sent to an instance over loopback HTTP, and the instance's response streamed back; an invocation that runs past
 * {@code maxDuration} is answered 504 and its instance stopped. Output goes to the deployment's runtime log.
 */
public final class FunctionRuntime implements FunctionInvoker, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FunctionRuntime.class);
  private static final long FLUSH_MILLIS = 250;
  /** Requests up to this size are written to an open connection by the thread that has them. */
  private static final int INLINE_SEND_BYTES = 64 * 1024;

  private final ActorSystem<?> system;
  private final FunctionSettings settings;
  private final FunctionFiles files;
  private final InstanceSandbox sandbox;
  private final RuntimeEnvironment.Source environment;
  private final RuntimeLogStore logs;
  private final FunctionMetrics metrics;
  private final Executor blockingIo;
  private final Materializer materializer;
  private final ScheduledExecutorService timers;
  /** Threads that talk to instances: each waits for one instance's answer (blocking reads on loopback). */
  private final java.util.concurrent.ExecutorService instanceIo;
  private final ConcurrentHashMap<String, FunctionPool> pools = new ConcurrentHashMap<>();
  private final FunctionForwarding forwarding;
  private final FunctionSpares spares;

  public FunctionRuntime(ActorSystem<?> system, FunctionSettings settings, FunctionFiles files,
      InstanceSandbox sandbox, RuntimeEnvironment.Source environment, RuntimeLogStore logs, FunctionMetrics metrics)
      throws java.io.IOException {
    this.system = system;
    this.settings = settings;
    this.files = files;
    this.sandbox = sandbox;
    this.environment = environment;
    this.logs = logs;
    this.metrics = metrics;
    this.blockingIo = system.dispatchers().lookup(DispatcherSelector.blocking());
    this.materializer = SystemMaterializer.get(system).materializer();
    this.forwarding = new FunctionForwarding(settings.maxBodyBytes());
    AtomicInteger threads = new AtomicInteger();
    this.timers = Executors.newScheduledThreadPool(1, runnable -> {
      Thread thread = new Thread(runnable, "ferry-functions-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    AtomicInteger ioThreads = new AtomicInteger();
    this.instanceIo = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "ferry-function-io-" + ioThreads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    files.writeLaunchers();
    files.removeInstanceDirectories();
    this.spares = new FunctionSpares(settings, files, this::startSpare, blockingIo);
    spares.fill();
    long reap = Math.max(100, Math.min(settings.idleTimeout().toMillis() / 2, 5_000));
    timers.scheduleWithFixedDelay(this::stopIdle, reap, reap, TimeUnit.MILLISECONDS);
    timers.scheduleWithFixedDelay(this::flushLogs, FLUSH_MILLIS, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * The runtime of a node with the edge role: functions unpacked under {@code <data-dir>/functions}, instances in
   * the process sandbox (bubblewrap when it works here) with the data directory hidden, metrics in the node's
   * registry, runtime logs in the database.
   */
  public static FunctionRuntime forNode(ActorSystem<?> system, com.typesafe.config.Config config, Path dataDir,
      dev.ferry.storage.BlobStore blobs, dev.ferry.secrets.SecretBox secrets, javax.sql.DataSource dataSource,
      io.micrometer.core.instrument.MeterRegistry registry) throws java.io.IOException {
    Path functionsDir = dataDir.resolve("functions");
    InstanceSandbox sandbox = dev.ferry.sandbox.Sandboxes.instancesFromConfig(config, List.of(dataDir));
    FunctionSettings settings = FunctionSettings.from(config);
    // A container has its own interpreters: the names are looked up in the image, not resolved on the host.
    FunctionRuntime runtime = new FunctionRuntime(system,
        sandbox instanceof dev.ferry.sandbox.ProcessInstanceSandbox ? settings.withResolvedInterpreters() : settings,
        new FunctionFiles(functionsDir, blobs), sandbox, RuntimeEnvironment.of(system, secrets),
        new RuntimeLogStore(dataSource), new FunctionMetrics(registry));
    io.micrometer.core.instrument.Gauge.builder("ferry.function.instances", runtime, FunctionRuntime::instances)
        .description("Function instances running on this node").register(registry);
    return runtime;
  }

  @Override
  public long maxRequestBodyBytes() {
    return settings.maxBodyBytes();
  }

  @Override
  public CompletionStage<HttpResponse> invoke(String deploymentId, Manifest manifest, Result.ServeFunction function,
      String path, HttpRequest request) {
    Manifest.Function config = manifest.function(function.name());
    if (config == null) {
      request.discardEntityBytes(system);
      return done(FunctionResponses.notFound(function.name()));
    }
    String runtime = runtime(config);
    if (request.entity().getContentLengthOption().orElse(0) > settings.maxBodyBytes()) {
      request.discardEntityBytes(system);
      metrics.invocation(runtime, "rejected", -1);
      return done(FunctionResponses.tooLarge("request", settings.maxBodyBytes()));
    }
    String key = deploymentId + "\n" + function.name();
    FunctionPool pool = pools.computeIfAbsent(key, k -> new FunctionPool(
        () -> start(deploymentId, function.name(), config), settings.maxInstancesPerFunction(),
        settings.maxQueuedRequests(), settings.queueTimeout(), timers));
    // A body that came whole with its head (every small one) is used as it is; others are read up to the limit.
    CompletionStage<HttpEntity.Strict> read = request.entity() instanceof HttpEntity.Strict strict
        ? CompletableFuture.completedFuture(strict)
        : request.entity().withSizeLimit(settings.maxBodyBytes())
            .toStrict(settings.queueTimeout().toMillis() + 30_000, materializer);
    return read.thenCompose(body -> attempt(pool, deploymentId, function, config, path, request, body, true))
        .exceptionally(failure -> failed(deploymentId, function.name(), runtime, failure));
  }

  private CompletionStage<HttpResponse> attempt(FunctionPool pool, String deploymentId,
      Result.ServeFunction function, Manifest.Function config, String path, HttpRequest request,
      HttpEntity.Strict body, boolean mayRetry) {
    return pool.acquire().thenCompose(lease -> call(pool, lease, deploymentId, function, config, path, request,
        body, mayRetry));
  }

  private CompletionStage<HttpResponse> call(FunctionPool pool, FunctionPool.Lease lease, String deploymentId,
      Result.ServeFunction function, Manifest.Function config, String path, HttpRequest request,
      HttpEntity.Strict body, boolean mayRetry) {
    FunctionInstance instance = lease.instance();
    String runtime = runtime(config);
    long started = System.nanoTime();
    CompletableFuture<HttpResponse> result = new CompletableFuture<>();
    // Whoever answers first (the instance, its failure, or maxDuration) logs, then completes: the log line is
    // written before the client can see the response.
    AtomicBoolean answered = new AtomicBoolean();
    String line = request.method().value() + " " + path;
    java.time.Duration maxDuration = settings.maxDuration(config.maxDuration());
    Invocation invocation = new Invocation(pool, instance, () -> {
      // Past maxDuration: the instance is stopped, whatever it was doing (a response still streaming is cut).
      if (answered.compareAndSet(false, true)) {
        metrics.invocation(runtime, "timeout", System.nanoTime() - started);
        system(deploymentId, function.name(), line + " → 504: the function ran longer than its maxDuration of "
            + maxDuration.toSeconds() + " s; its instance was stopped");
        result.complete(FunctionResponses.timeout(maxDuration));
      }
    });
    invocation.arm(timers, maxDuration);
    String method = request.method().value();
    String target = FunctionForwarding.target(path, query(function.query()));
    List<Map.Entry<String, String>> headers = forwarding.outgoing(request, body);
    byte[] bytes = body.getData().toArray();
    InstanceConnection connection = instance.connection();
    // A small request on an open connection is written right here (the socket takes it at once), so the thread
    // that waits for the answer wakes up while the instance is already working.
    boolean sent = connection.isOpen() && bytes.length <= INLINE_SEND_BYTES;
    java.io.IOException sendFailure = null;
    if (sent) {
      try {
        connection.send(method, target, headers, bytes);
      } catch (java.io.IOException e) {
        sendFailure = e;
      }
    }
    java.io.IOException failedToSend = sendFailure;
    CompletableFuture.supplyAsync(() -> {
      try {
        if (failedToSend != null) {
          throw failedToSend;
        }
        if (!sent) {
          connection.send(method, target, headers, bytes);
        }
        return forwarding.incoming(connection.receive(method), invocation::finish);
      } catch (java.io.IOException e) {
        throw new CompletionException(e);
      }
    }, instanceIo).whenComplete((forwarded, failure) -> {
      long nanos = System.nanoTime() - started;
      if (failure != null) {
        invocation.finish(false);
        if (mayRetry && refused(failure) && answered.compareAndSet(false, true)) {
          // The request never reached the instance (it is gone): another one can take it, body and all.
          system(deploymentId, function.name(), "An instance refused the connection (" + unwrap(failure).getMessage()
              + "); it was stopped and the request goes to another");
          attempt(pool, deploymentId, function, config, path, request, body, false).whenComplete((r, f) ->
              result.complete(f == null ? r : failed(deploymentId, function.name(), runtime, f)));
          return;
        }
        if (answered.compareAndSet(false, true)) {
          log.debug("Invoking {} of deployment {} failed", line, deploymentId, failure);
          metrics.invocation(runtime, "crashed", nanos);
          system(deploymentId, function.name(), line + " → 502: the instance failed while serving the request ("
              + unwrap(failure).getMessage() + "); it was stopped, the next request starts a new one");
          result.complete(FunctionResponses.crashed());
        }
        return;
      }
      int status = forwarded.status().intValue();
      if (answered.compareAndSet(false, true)) {
        metrics.invocation(runtime, status >= 500 ? "error" : "ok", nanos);
        system(deploymentId, function.name(), line + " → " + status + " in "
            + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms" + (lease.coldStart() ? " (cold start)" : ""));
        result.complete(forwarded);
      } else {
        forwarded.discardEntityBytes(system);
      }
    });
    return result;
  }

  /**
   * Starts an instance of a function: unpack (once), read the runtime variables, then take a spare and give it the
   * function, or launch one; wait for its port.
   */
  private CompletionStage<FunctionInstance> start(String deploymentId, String name, Manifest.Function config) {
    long started = System.nanoTime();
    String runtime = runtime(config);
    return environment.variables(deploymentId).thenApplyAsync(variables -> {
      try {
        Path dir = files.unpack(deploymentId, name, config);
        FunctionInstance.Output output = (stream, text) ->
            logs.append(deploymentId, name, stream, variables.masker().mask(text));
        int memory = settings.memoryMb(config.memory());
        Map<String, String> env = env(deploymentId, variables, config);
        FunctionSpares.Spare spare = spares.take(runtime, memory);
        if (spare != null) {
          spare.instance().outputTo(output);
          try {
            spares.assign(spare, dir, config.handler(), addsHelpers(config), env);
          } catch (java.io.IOException | RuntimeException e) {
            spare.instance().kill();
            throw e;
          }
          return spare.instance();
        }
        FunctionInstance instance = new FunctionInstance(output);
        InstanceSandbox.InstanceSpec spec = new InstanceSandbox.InstanceSpec(
            launcherCommand(settings, files, runtime, memory, dir, config.handler(), addsHelpers(config)), dir,
            List.of(files.launchers()), env, addressSpace(runtime, memory), memory * 1024L * 1024L);
        instance.started(sandbox.start(spec, instance::line));
        return instance;
      } catch (java.io.IOException e) {
        throw new CompletionException(e);
      }
    }, blockingIo).thenCompose(this::whenReady)
        .handle((instance, failure) -> {
          if (failure != null) {
            Throwable cause = unwrap(failure);
            String reason = cause instanceof TimeoutException
                ? "it did not listen within " + settings.startTimeout().toMillis() + " ms" : cause.toString();
            system(deploymentId, name, "The function could not start: " + reason);
            throw new CompletionException(new StartFailure(reason));
          }
          metrics.coldStart(runtime, System.nanoTime() - started);
          return instance;
        });
  }

  /** The instance once it listens; stopped if it does not within the start timeout. */
  private CompletableFuture<FunctionInstance> whenReady(FunctionInstance instance) {
    return instance.ready()
        .orTimeout(settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((port, failure) -> {
          if (failure != null) {
            instance.kill();
          }
        })
        .thenApply(port -> instance);
  }

  /** A spare: output before it has a function goes to Ferry's log (a launcher that fails to start says why). */
  private CompletableFuture<FunctionInstance> startSpare(InstanceSandbox.InstanceSpec spec, Path dir) {
    FunctionInstance instance = new FunctionInstance((stream, text) -> log.info("Spare instance in {} ({}): {}",
        dir.getFileName(), stream, text));
    try {
      instance.started(sandbox.start(spec, instance::line));
    } catch (java.io.IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return whenReady(instance);
  }

  private static boolean refused(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof java.net.ConnectException) {
        return true;
      }
    }
    return failure.getMessage() != null && failure.getMessage().contains("Connection refused");
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** Vercel's request/response helpers are on unless the function's configuration turns them off. */
  private static boolean addsHelpers(Manifest.Function config) {
    return !Boolean.FALSE.equals(config.shouldAddHelpers());
  }

  /**
   * The launcher of a runtime serving the function in {@code dir} with {@code handler}; with a null handler, a spare
   * that waits to be given one.
   */
  static List<String> launcherCommand(FunctionSettings settings, FunctionFiles files, String runtime, int memoryMb,
      Path dir, String handler, boolean addHelpers) {
    Path launchers = files.launchers();
    String served = handler == null ? "--spare" : handler;
    if (runtime.equals("node")) {
      List<String> command = new ArrayList<>(List.of(settings.node(), "--max-old-space-size=" + memoryMb));
      command.addAll(List.of(launchers.resolve(FunctionFiles.NODE_LAUNCHER).toString(), dir.toString(), served,
          addHelpers ? "1" : "0"));
      return command;
    }
    return List.of(settings.python(), "-u", "-B", launchers.resolve(FunctionFiles.PYTHON_LAUNCHER).toString(),
        dir.toString(), served);
  }

  /**
   * The address-space limit: for Python the function's memory plus a little it reserves without using it; none for
   * Node, whose V8 reserves far more than it uses (WebAssembly's guard regions: fetch() parses with it), so its
   * memory is bounded by its heap size and the sandbox's watch on resident memory.
   */
  static long addressSpace(String runtime, int memoryMb) {
    return runtime.equals("node") ? 0 : (memoryMb + 128) * 1024L * 1024L;
  }

  private Map<String, String> env(String deploymentId, RuntimeEnvironment.Variables variables,
      Manifest.Function config) {
    Map<String, String> env = new LinkedHashMap<>(baseEnvironment());
    env.putAll(config.environment());
    env.putAll(variables.env());
    env.put("FERRY", "1");
    env.put("FERRY_ENV", variables.target());
    env.put("FERRY_DEPLOYMENT_ID", deploymentId);
    env.put("VERCEL", "1");
    env.put("VERCEL_ENV", variables.target());
    return env;
  }

  /** What every instance has, before its function's and deployment's variables. */
  static Map<String, String> baseEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("HOME", "/tmp");
    env.put("TMPDIR", "/tmp");
    env.put("LANG", "C.UTF-8");
    env.put("NODE_ENV", "production");
    env.put("PYTHONDONTWRITEBYTECODE", "1");
    return env;
  }

  static String runtime(Manifest.Function config) {
    return config.runtime().startsWith("python") ? "python" : "node";
  }

  private static String query(Map<String, List<String>> query) {
    List<String> pairs = new ArrayList<>();
    query.forEach((key, values) -> values.forEach(value -> pairs.add(URLEncoder.encode(key, StandardCharsets.UTF_8)
        + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8))));
    return String.join("&", pairs);
  }

  private HttpResponse failed(String deploymentId, String name, String runtime, Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof EntityStreamSizeException) {
      metrics.invocation(runtime, "rejected", -1);
      return FunctionResponses.tooLarge("request", settings.maxBodyBytes());
    }
    if (cause instanceof FunctionPool.Saturated saturated) {
      metrics.invocation(runtime, "rejected", -1);
      system(deploymentId, name, "503: the function is at capacity (" + saturated.getMessage() + ")");
      return FunctionResponses.saturated(settings.retryAfter());
    }
    if (cause instanceof StartFailure) {
      metrics.invocation(runtime, "crashed", -1);
      return FunctionResponses.startFailed();
    }
    log.error("Invoking function {} of deployment {} failed", name, deploymentId, cause);
    system(deploymentId, name, "502: the invocation failed: " + cause);
    return FunctionResponses.crashed();
  }

  private void system(String deploymentId, String name, String text) {
    logs.append(deploymentId, name, "system", text);
  }

  private void stopIdle() {
    try {
      pools.values().forEach(pool -> pool.stopIdle(settings.idleTimeout()));
    } catch (RuntimeException e) {
      log.warn("Stopping idle function instances failed", e);
    }
  }

  private void flushLogs() {
    try {
      logs.flush();
    } catch (Exception e) {
      log.warn("Writing runtime logs failed: {}", e.toString());
    }
  }

  /** Spares of a runtime ({@code node}, {@code python}) ready on this node, waiting for a function. */
  public int spares(String runtime) {
    return spares.ready(runtime);
  }

  /** Running instances on this node, for metrics and tests. */
  public int instances() {
    return pools.values().stream().mapToInt(FunctionPool::instances).sum();
  }

  @Override
  public void close() {
    spares.close();
    pools.values().forEach(FunctionPool::close);
    timers.shutdownNow();
    instanceIo.shutdownNow();
    flushLogs();
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  /** An instance that could not be started: answered with 502. */
  static final class StartFailure extends RuntimeException {
    StartFailure(String message) {
      super(message, null, false, false);
    }
  }
}
