package dev.ferry.build;

import dev.ferry.FerrySettings;
import dev.ferry.common.Rejection;
import dev.ferry.deployment.Deployment;
import dev.ferry.logs.BuildLogStore;
import dev.ferry.logs.LiveBuildLog;
import dev.ferry.project.Project;
import dev.ferry.routing.Hosts;
import dev.ferry.secrets.LogMasker;
import dev.ferry.secrets.SecretBox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.pattern.StatusReply.ErrorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls builds from the queue while it has free slots, holds a lease on each while it works (renewed on a timer),
 * and reports the outcome to the Deployment entity. If this node dies, the lease runs out and another worker
 * takes the build over.
 *
 * <p>Each build gets the project's build-time environment variables for its target, decrypted here; every log
 * line — the commands' output and Ferry's own lines — passes the masker of the project's secret values before it is
 * stored, and so does the error message the Deployment entity records.
 */
public final class BuildWorker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BuildWorker.class);
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration CANCEL_CHECK = Duration.ofSeconds(1);
  private static final Duration LOG_FLUSH = Duration.ofMillis(25);

  private final ClusterSharding sharding;
  private final FerrySettings settings;
  private final BuildQueue queue;
  private final BuildLogStore logs;
  private final LiveBuildLog liveLog;
  private final Builder builder;
  private final Hosts hosts;
  private final SecretBox secrets;
  private final String workerId;
  private final ExecutorService builds;
  private final ScheduledExecutorService timers;
  private final AtomicInteger busySlots = new AtomicInteger();

  public BuildWorker(ActorSystem<?> system, FerrySettings settings, BuildQueue queue, BuildLogStore logs,
      Builder builder, Hosts hosts, SecretBox secrets, String workerId) {
    this.sharding = ClusterSharding.get(system);
    this.settings = settings;
    this.queue = queue;
    this.logs = logs;
    this.liveLog = new LiveBuildLog(system);
    this.builder = builder;
    this.hosts = hosts;
    this.secrets = secrets;
    this.workerId = workerId;
    this.builds = Executors.newFixedThreadPool(settings.build().slots(), named("ferry-build"));
    this.timers = Executors.newScheduledThreadPool(2, named("ferry-build-timer"));
  }

  public void start() {
    removeStaleBuildDirectories();
    long poll = settings.build().pollInterval().toMillis();
    timers.scheduleWithFixedDelay(this::pollSafely, poll, poll, TimeUnit.MILLISECONDS);
    log.info("Build worker {} started with {} slots", workerId, settings.build().slots());
  }

  /**
   * Build directories left by a node that died mid-build: nothing runs on this node yet, and each build of the
   * deployment (another attempt, here or elsewhere) starts from a fresh checkout.
   */
  private void removeStaleBuildDirectories() {
    Path builds = settings.buildsDir();
    if (!Files.isDirectory(builds)) {
      return;
    }
    try (Stream<Path> stale = Files.list(builds)) {
      List<Path> dirs = stale.toList();
      dirs.forEach(BuildWorker::deleteQuietly);
      if (!dirs.isEmpty()) {
        log.info("Removed {} build directories left by an earlier run", dirs.size());
      }
    } catch (IOException e) {
      log.warn("Could not list {}: {}", builds, e.toString());
    }
  }

  private void pollSafely() {
    try {
      while (busySlots.get() < settings.build().slots()) {
        Optional<String> next = queue.take(workerId, leaseUntil());
        if (next.isEmpty()) {
          return;
        }
        busySlots.incrementAndGet();
        builds.execute(() -> {
          try {
            run(next.get());
          } finally {
            busySlots.decrementAndGet();
          }
        });
      }
    } catch (Exception e) {
      log.warn("Polling the build queue failed: {}", e.toString());
    }
  }

  private Instant leaseUntil() {
    return Instant.now().plus(settings.build().lease());
  }

  private void run(String deploymentId) {
    EntityRef<Deployment.Command> entity = sharding.entityRefFor(Deployment.ENTITY_KEY, deploymentId);
    Deployment.State deployment;
    try {
      Instant lease = leaseUntil();
      deployment = ask(entity, replyTo -> new Deployment.StartBuild(workerId, lease, settings.build().maxAttempts(),
          replyTo));
    } catch (Rejected rejected) {
      forgetIfFinished(entity, deploymentId);
      return;
    } catch (Exception e) {
      log.warn("Could not start build {}: {}", deploymentId, e.toString());
      return;
    }
    new RunningBuild(entity, deployment).run();
  }

  /** A build the entity no longer wants (finished or canceled) leaves the queue. */
  private void forgetIfFinished(EntityRef<Deployment.Command> entity, String deploymentId) {
    try {
      Deployment.State state = ask(entity, Deployment.Get::new);
      if (state.status().isFinished()) {
        queue.remove(deploymentId);
      }
    } catch (Exception e) {
      log.debug("Deployment {} not checked: {}", deploymentId, e.toString());
    }
  }

  /** One build in progress on this node, with its lease renewal, cancel check and log flushing. */
  private final class RunningBuild implements Builder.Progress {
    private final EntityRef<Deployment.Command> entity;
    private final Deployment.State deployment;
    private final AtomicBoolean canceled = new AtomicBoolean();
    private BuildLogStore.Writer logWriter;
    private volatile LogMasker masker = LogMasker.NONE;

    RunningBuild(EntityRef<Deployment.Command> entity, Deployment.State deployment) {
      this.entity = entity;
      this.deployment = deployment;
    }

    void run() {
      Path workDir = settings.buildsDir().resolve(deployment.id() + "-" + deployment.attempts());
      ScheduledFuture<?> renewal = null;
      ScheduledFuture<?> cancelCheck = null;
      ScheduledFuture<?> flusher = null;
      try {
        logWriter = logs.writer(deployment.id(), liveLog.publisher(deployment.id()));
        long leaseMillis = settings.build().lease().toMillis();
        renewal = timers.scheduleWithFixedDelay(this::renewLease, leaseMillis / 3, leaseMillis / 3,
            TimeUnit.MILLISECONDS);
        cancelCheck = timers.scheduleWithFixedDelay(this::checkCanceled, CANCEL_CHECK.toMillis(),
            CANCEL_CHECK.toMillis(), TimeUnit.MILLISECONDS);
        flusher = timers.scheduleWithFixedDelay(this::flushLog, LOG_FLUSH.toMillis(), LOG_FLUSH.toMillis(),
            TimeUnit.MILLISECONDS);
        logLine("system", "Build started on " + workerId
            + (deployment.attempts() > 1 ? " (attempt " + deployment.attempts() + ")" : ""));
        BuildVariables variables = variables();
        masker = variables.masker();
        if (!variables.env().isEmpty()) {
          logLine("system", "Environment variables for " + deployment.target() + ": "
              + String.join(", ", new TreeSet<>(variables.env().keySet())));
        }
        deleteRecursively(workDir);
        Files.createDirectories(workDir);
        Builder.Outcome outcome = builder.build(deployment, variables.env(), variables.gitAccessToken(), workDir,
            this::logLine, canceled::get, this);
        BuildWorker.<Deployment.Command, Deployment.State>ask(entity, replyTo -> new Deployment.MarkReady(workerId,
            outcome.framework(), outcome.fileCount(), outcome.totalBytes(), replyTo));
        logLine("system", "Deployment ready: "
            + hosts.url(hosts.deployment(deployment.projectName(), deployment.id())));
      } catch (BuildFailure failure) {
        String message = masker.mask(failure.getMessage());
        logLine("system", "Error: " + message);
        tell(replyTo -> new Deployment.MarkFailed(workerId, message, replyTo));
      } catch (InterruptedException | Rejected stopped) {
        logLine("system", canceled.get() ? "Build canceled" : "Build stopped: " + stopped.getMessage());
      } catch (Exception e) {
        log.error("Build {} failed unexpectedly", deployment.id(), e);
        logLine("system", "Error: internal error while building (" + e.getClass().getSimpleName() + ")");
        tell(replyTo -> new Deployment.MarkFailed(workerId, "Internal error while building", replyTo));
      } finally {
        for (ScheduledFuture<?> timer : new ScheduledFuture<?>[] {renewal, cancelCheck, flusher}) {
          if (timer != null) {
            timer.cancel(false);
          }
        }
        flushLog();
        if (logWriter != null) {
          liveLog.flushed(deployment.id(), logWriter.lastSeq());
        }
        deleteQuietly(workDir);
      }
    }

    /** Every line of the build's log, masked before it is stored. */
    private void logLine(String stream, String text) {
      if (logWriter != null) {
        logWriter.append(stream, masker.mask(text));
      }
    }

    /** The project's variables as they are now (not as when the deployment was requested). */
    private BuildVariables variables() throws BuildFailure {
      Project.State project;
      try {
        project = BuildWorker.<Project.Command, Project.State>ask(
            sharding.entityRefFor(Project.ENTITY_KEY, deployment.projectId()), Project.Get::new);
      } catch (Rejected rejected) {
        throw new BuildFailure("The project " + deployment.projectName() + " no longer exists");
      } catch (Exception e) {
        throw new BuildFailure("Could not read the project's environment variables: " + e.getMessage());
      }
      return BuildVariables.of(secrets, project, deployment.target());
    }

    @Override
    public void sourceResolved(GitCheckout.Checkout checkout) throws BuildFailure {
      askInBuild(replyTo -> new Deployment.RecordSource(workerId, checkout.commitSha(), checkout.commitMessage(),
          checkout.commitAuthor(), replyTo));
    }

    @Override
    public void publishing() throws BuildFailure {
      askInBuild(replyTo -> new Deployment.StartPublishing(workerId, replyTo));
    }

    private void askInBuild(Function<ActorRef<StatusReply<Done>>, Deployment.Command> command) throws BuildFailure {
      try {
        ask(entity, command);
      } catch (Rejected rejected) {
        canceled.set(true);
        throw new BuildFailure("The build lost its lease: " + rejected.getMessage());
      } catch (Exception e) {
        throw new BuildFailure("Could not record progress: " + e.getMessage());
      }
    }

    private void tell(Function<ActorRef<StatusReply<Deployment.State>>, Deployment.Command> command) {
      try {
        ask(entity, command);
      } catch (Exception e) {
        log.warn("Deployment {} did not take the outcome: {}", deployment.id(), e.getMessage());
      }
    }

    private void renewLease() {
      Instant lease = leaseUntil();
      try {
        BuildWorker.<Deployment.Command, Done>ask(entity,
            replyTo -> new Deployment.RenewLease(workerId, lease, replyTo));
        queue.renew(deployment.id(), workerId, lease);
      } catch (Rejected rejected) {
        canceled.set(true);
      } catch (Exception e) {
        log.warn("Lease renewal for {} failed: {}", deployment.id(), e.toString());
      }
    }

    private void checkCanceled() {
      try {
        Deployment.State state = ask(entity, Deployment.Get::new);
        if (state.status() == Deployment.Status.CANCELED || !workerId.equals(state.worker())) {
          canceled.set(true);
        }
      } catch (Exception e) {
        log.debug("Cancel check for {} failed: {}", deployment.id(), e.toString());
      }
    }

    private void flushLog() {
      try {
        if (logWriter != null) {
          logWriter.flush();
        }
      } catch (Exception e) {
        log.warn("Writing the build log of {} failed: {}", deployment.id(), e.toString());
      }
    }
  }

  /** The entity refused the command (its reply carried a rejection). */
  static final class Rejected extends Exception {
    Rejected(String message) {
      super(message);
    }
  }

  private static <C, T> T ask(EntityRef<C> entity, Function<ActorRef<StatusReply<T>>, C> command)
      throws Exception {
    try {
      return entity.<T>askWithStatus(command::apply, ASK_TIMEOUT).toCompletableFuture()
          .get(ASK_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ErrorMessage error && Rejection.status(error.getMessage()) != 500) {
        throw new Rejected(Rejection.detail(error.getMessage()));
      }
      throw e.getCause() instanceof Exception cause ? cause : e;
    } catch (TimeoutException e) {
      throw new IOException("The deployment did not answer in time");
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      deleteRecursively(dir);
    } catch (IOException e) {
      log.warn("Could not remove build directory {}: {}", dir, e.toString());
    }
  }

  private static java.util.concurrent.ThreadFactory named(String prefix) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  @Override
  public void close() {
    timers.shutdownNow();
    builds.shutdownNow();
  }
}
