package dev.ferry.sandbox;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.api.model.WaitResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Function instances as containers through the Docker Engine API (Docker, or Podman's service): the configured image,
 * host networking (the launcher listens on a loopback port of the host and says which on stdout), the function's
 * directory and the launchers bind-mounted read-only and nothing else of the host, a read-only root with a private
 * {@code /tmp}, no capabilities, the function's memory as the container's memory (no swap), a CPU and process limit,
 * the instance's environment only. Output lines go to the log sink as with {@link ProcessInstanceSandbox}; a killed
 * instance's container is removed.
 */
public final class ContainerInstanceSandbox implements InstanceSandbox, AutoCloseable {

  static final String LABEL_VALUE = "function";

  /**
   * @param cpus CPUs per instance (fractions allowed); 0 = no limit
   * @param pidsLimit processes and threads per instance; 0 = no limit
   */
  public record Options(String dockerHost, String image, double cpus, long pidsLimit) {}

  private final DockerClient docker;
  private final Options options;

  public ContainerInstanceSandbox(Options options) {
    this.options = options;
    this.docker = ContainerEngine.client(options.dockerHost());
  }

  public Options options() {
    return options;
  }

  /** Asks the engine for its version: fails when it does not answer. */
  public String engineVersion() {
    return docker.versionCmd().exec().getVersion();
  }

  /** Ids of the engine's function containers, running or not. */
  public List<String> containers() {
    return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerSandbox.LABEL, LABEL_VALUE))
        .exec().stream().map(com.github.dockerjava.api.model.Container::getId).toList();
  }

  @Override
  public Instance start(InstanceSpec spec, Sandbox.LogSink log) throws IOException {
    Path workDir = spec.workDir().toAbsolutePath().normalize();
    List<Bind> binds = new ArrayList<>();
    binds.add(new Bind(workDir.toString(), new Volume(workDir.toString()), AccessMode.ro));
    for (Path path : spec.readOnlyPaths()) {
      String absolute = path.toAbsolutePath().normalize().toString();
      binds.add(new Bind(absolute, new Volume(absolute), AccessMode.ro));
    }
    String id;
    try {
      id = docker.createContainerCmd(options.image())
          .withCmd(spec.command())
          .withEnv(spec.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
          .withWorkingDir(workDir.toString())
          .withUser(ContainerEngine.owner(workDir))
          .withLabels(Map.of(ContainerSandbox.LABEL, LABEL_VALUE))
          .withHostConfig(ContainerEngine.hostConfig(binds, options.cpus(), spec.residentBytes(), options.pidsLimit()))
          .exec()
          .getId();
    } catch (NotFoundException e) {
      throw new IOException("The function image " + options.image() + " is not on the container engine; build or "
          + "pull it there (ferry.functions.sandbox.image)", e);
    } catch (DockerException e) {
      throw new IOException("The function container could not be created: " + e.getMessage(), e);
    }
    BoundedLog output = new BoundedLog(log, 0);
    ContainerEngine.LogStreams streams;
    try {
      docker.startContainerCmd(id).exec();
      // The engine replays the output from the container's start: the launcher's first line (its port) is not missed.
      streams = new ContainerEngine.LogStreams(docker, id, output);
    } catch (RuntimeException e) {
      ContainerEngine.remove(docker, id);
      throw new IOException("The function container could not be started: " + e.getMessage(), e);
    }
    Running running = new Running(id, streams);
    docker.waitContainerCmd(id).exec(new ResultCallback.Adapter<WaitResponse>() {
      @Override
      public void onNext(WaitResponse response) {
        Integer code = response.getStatusCode();
        running.exit.complete(code == null ? 137 : code);
      }

      @Override
      public void onError(Throwable throwable) {
        running.exit.complete(137);
      }

      @Override
      public void onComplete() {
        running.exit.complete(137);
      }
    });
    return running;
  }

  private final class Running implements Instance {
    private final String id;
    private final ContainerEngine.LogStreams streams;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final long pid;

    Running(String id, ContainerEngine.LogStreams streams) {
      this.id = id;
      this.streams = streams;
      Long hostPid = null;
      try {
        hostPid = docker.inspectContainerCmd(id).exec().getState().getPidLong();
      } catch (DockerException e) {
        // gone already: no pid
      }
      this.pid = hostPid == null ? -1 : hostPid;
    }

    @Override
    public long pid() {
      return pid;
    }

    @Override
    public boolean isAlive() {
      return !exit.isDone();
    }

    @Override
    public CompletableFuture<Integer> onExit() {
      return exit;
    }

    @Override
    public void kill() {
      // Killed: the exit code is SIGKILL's whatever the engine reports for a forcibly removed container.
      exit.complete(137);
      ContainerEngine.remove(docker, id);
      streams.close();
    }
  }

  @Override
  public void close() throws IOException {
    docker.close();
  }
}
