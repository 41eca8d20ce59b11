package dev.ferry.sandbox;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a command in a container through the Docker Engine API (Docker, or Podman's compatible service): the
 * configured image, CPU, memory and process limits, the work directory bind-mounted at the same path and nothing else
 * of the host, a read-only root with a private {@code /tmp}, no capabilities, host networking (so the package registry
 * is reachable without a bridge network), and the container removed afterwards. The command runs as the owner of the
 * work directory, so whatever it writes stays Ferry's to clean up.
 */
public final class ContainerSandbox implements Sandbox, AutoCloseable {

  static final String LABEL = "dev.ferry.sandbox";
  static final String CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private static final Logger logger = LoggerFactory.getLogger(ContainerSandbox.class);
  private static final long POLL_MILLIS = 200;
  private static final int STOP_GRACE_SECONDS = 2;
  private static final long LOG_DRAIN_MILLIS = 5_000;

  /**
   * @param dockerHost the engine's address, e.g. {@code unix:///var/run/docker.sock} or a Podman service's socket
   * @param cpus CPUs the command may use (fractions allowed); 0 = no limit
   * @param memoryBytes memory (and swap: none beyond it); 0 = no limit
   * @param pidsLimit processes and threads; 0 = no limit
   */
  public record Options(String dockerHost, String image, double cpus, long memoryBytes, long pidsLimit) {}

  private final DockerClient docker;
  private final Options options;

  public ContainerSandbox(Options options) {
    this.options = options;
    this.docker = ContainerEngine.client(options.dockerHost());
  }

  @Override
  public String description() {
    return "container " + options.image();
  }

  public Options options() {
    return options;
  }

  /** Asks the engine for its version: fails when it does not answer, so a misconfigured node says so at start. */
  public String engineVersion() {
    var version = docker.versionCmd().exec();
    return version.getVersion() + " (API " + version.getApiVersion() + ")";
  }

  /** Whether the configured image is present on the engine (images are never pulled implicitly). */
  public boolean imagePresent() {
    try {
      docker.inspectImageCmd(options.image()).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  /** Ids of the engine's build containers, running or not: none once every run has returned. */
  List<String> containers() {
    return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(LABEL, "build")).exec().stream()
        .map(com.github.dockerjava.api.model.Container::getId).toList();
  }

  @Override
  public Result run(Spec spec, LogSink sink, Cancellation cancellation) throws InterruptedException {
    BoundedLog log = new BoundedLog(sink, spec.maxLogBytes());
    if (spec.command().isEmpty()) {
      log.system("No command to run");
      return new Result(127, false, false, false);
    }
    String containerId;
    try {
      containerId = create(spec);
    } catch (NotFoundException e) {
      log.system("The build image " + options.image() + " is not on the container engine; build or pull it there "
          + "(ferry.build.sandbox.image)");
      return new Result(125, false, false, false);
    } catch (IOException | DockerException e) {
      log.system("The build container could not be created: " + e.getMessage());
      return new Result(125, false, false, false);
    }
    try {
      docker.startContainerCmd(containerId).exec();
    } catch (DockerException e) {
      // e.g. the program is not in the image: the runtime refuses to start the container.
      log.system("Command could not be started: " + e.getMessage());
      remove(containerId);
      return new Result(127, false, false, false);
    }
    try {
      return supervise(containerId, spec, log, cancellation);
    } finally {
      remove(containerId);
    }
  }

  private String create(Spec spec) throws IOException {
    Path workDir = spec.workDir().toAbsolutePath().normalize();
    Map<String, String> env = SandboxEnvironment.of(spec, CONTAINER_PATH);
    HostConfig host = ContainerEngine.hostConfig(List.of(new Bind(workDir.toString(), new Volume(workDir.toString()))),
        options.cpus(), options.memoryBytes(), options.pidsLimit());
    return docker.createContainerCmd(options.image())
        .withCmd(spec.command())
        .withEnv(env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
        .withWorkingDir(workDir.toString())
        .withUser(ContainerEngine.owner(workDir))
        .withLabels(Map.of(LABEL, "build"))
        .withHostConfig(host)
        .exec()
        .getId();
  }

  private Result supervise(String containerId, Spec spec, BoundedLog log, Cancellation cancellation)
      throws InterruptedException {
    ContainerEngine.LogStreams streams = new ContainerEngine.LogStreams(docker, containerId, log);
    long deadline = System.nanoTime() + spec.timeout().toNanos();
    boolean timedOut;
    boolean canceled;
    InspectContainerResponse.ContainerState state;
    try {
      CommandWatch.Ending ending = CommandWatch.await(() -> {
        Thread.sleep(POLL_MILLIS);
        return !Boolean.TRUE.equals(docker.inspectContainerCmd(containerId).exec().getState().getRunning());
      }, cancellation, deadline);
      timedOut = ending == CommandWatch.Ending.TIMED_OUT;
      canceled = ending == CommandWatch.Ending.CANCELED;
      if (timedOut || canceled) {
        stop(containerId);
      }
      state = docker.inspectContainerCmd(containerId).exec().getState();
    } catch (InterruptedException e) {
      stop(containerId);
      log.close();
      throw e;
    } catch (DockerException e) {
      log.system("Lost the build container: " + e.getMessage());
      streams.close();
      log.close();
      return new Result(125, false, false, log.truncated());
    }
    streams.drain(LOG_DRAIN_MILLIS);
    if (timedOut) {
      log.system("Command timed out after " + ProcessSandbox.format(spec.timeout()));
    } else if (canceled) {
      log.system("Command canceled");
    } else if (Boolean.TRUE.equals(state.getOOMKilled())) {
      log.system("Out of memory: the command needed more than " + (options.memoryBytes() >> 20)
          + " MiB (ferry.build.sandbox.memory)");
    }
    log.close();
    Long exit = state.getExitCodeLong();
    return new Result(exit == null ? 137 : exit.intValue(), timedOut, canceled, log.truncated());
  }

  private void stop(String containerId) {
    try {
      docker.stopContainerCmd(containerId).withTimeout(STOP_GRACE_SECONDS).exec();
    } catch (NotModifiedException | NotFoundException alreadyStopped) {
      // stopped on its own meanwhile
    } catch (DockerException e) {
      logger.warn("Stopping container {} failed: {}", containerId, e.getMessage());
    }
  }

  private void remove(String containerId) {
    ContainerEngine.remove(docker, containerId);
  }

  @Override
  public void close() throws IOException {
    docker.close();
  }
}
