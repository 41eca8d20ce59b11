package dev.ferry.sandbox;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the build containers ({@link ContainerSandbox}) and the function containers ({@link ContainerInstanceSandbox})
 * share: the engine client, the confinement of a container (host network, read-only root, private {@code /tmp}, no
 * capabilities, no new privileges, the given limits), its removal and the streaming of its output as lines.
 */
final class ContainerEngine {

  private static final Logger logger = LoggerFactory.getLogger(ContainerEngine.class);
  private static final int PIPE_BYTES = 64 * 1024;

  private ContainerEngine() {}

  static DockerClient client(String dockerHost) {
    DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
        .withDockerHost(dockerHost)
        .build();
    ZerodepDockerHttpClient http = new ZerodepDockerHttpClient.Builder()
        .dockerHost(URI.create(dockerHost))
        .maxConnections(32)
        .connectionTimeout(Duration.ofSeconds(10))
        .build();
    return DockerClientImpl.getInstance(config, http);
  }

  /**
   * @param cpus 0 = no limit
   * @param memoryBytes memory and swap together; 0 = no limit
   * @param pidsLimit 0 = no limit
   */
  static HostConfig hostConfig(List<Bind> binds, double cpus, long memoryBytes, long pidsLimit) {
    HostConfig host = HostConfig.newHostConfig()
        .withNetworkMode("host")
        .withBinds(binds)
        .withReadonlyRootfs(true)
        .withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,size=1g"))
        .withCapDrop(Capability.ALL)
        .withSecurityOpts(List.of("no-new-privileges"));
    if (cpus > 0) {
      host.withNanoCPUs((long) (cpus * 1_000_000_000L));
    }
    if (memoryBytes > 0) {
      host.withMemory(memoryBytes).withMemorySwap(memoryBytes);
    }
    if (pidsLimit > 0) {
      host.withPidsLimit(pidsLimit);
    }
    return host;
  }

  /** {@code uid:gid} of a directory's owner: the container runs as that user. */
  static String owner(Path dir) throws IOException {
    int uid = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    int gid = (Integer) Files.getAttribute(dir, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    return uid + ":" + gid;
  }

  /** Kills the container if it runs and removes it. */
  static void remove(DockerClient docker, String containerId) {
    try {
      docker.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException gone) {
      // removed already
    } catch (DockerException e) {
      logger.warn("Removing container {} failed: {}", containerId, e.getMessage());
    }
  }

  /**
   * The container's output, followed from its start: each frame goes into a pipe per stream, which a {@link LinePump}
   * reads as lines (the same line handling as the process sandbox).
   */
  static final class LogStreams extends ResultCallback.Adapter<Frame> {
    private final PipedOutputStream stdout = new PipedOutputStream();
    private final PipedOutputStream stderr = new PipedOutputStream();
    private final List<Thread> pumps;

    LogStreams(DockerClient docker, String containerId, BoundedLog log) {
      try {
        pumps = List.of(pump(stdout, "stdout", log, containerId), pump(stderr, "stderr", log, containerId));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      docker.logContainerCmd(containerId).withStdOut(true).withStdErr(true).withFollowStream(true).exec(this);
    }

    private static Thread pump(PipedOutputStream out, String stream, BoundedLog log, String containerId)
        throws IOException {
      Thread thread = new Thread(new LinePump(new PipedInputStream(out, PIPE_BYTES), stream, log),
          "container-" + containerId.substring(0, Math.min(12, containerId.length())) + "-" + stream);
      thread.setDaemon(true);
      thread.start();
      return thread;
    }

    @Override
    public void onNext(Frame frame) {
      try {
        (frame.getStreamType() == StreamType.STDERR ? stderr : stdout).write(frame.getPayload());
      } catch (IOException e) {
        logger.debug("log pipe closed: {}", e.toString());
      }
    }

    @Override
    public void onComplete() {
      closePipes();
      super.onComplete();
    }

    @Override
    public void onError(Throwable throwable) {
      closePipes();
      super.onError(throwable);
    }

    private synchronized void closePipes() {
      for (PipedOutputStream pipe : List.of(stdout, stderr)) {
        try {
          pipe.close();
        } catch (IOException ignored) {
          // already closed
        }
      }
    }

    /** Waits for the engine to end the stream (the container has exited) and the pumps to pass on the last lines. */
    void drain(long millis) throws InterruptedException {
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      awaitCompletion(millis, TimeUnit.MILLISECONDS);
      closePipes();
      for (Thread pump : pumps) {
        pump.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
      }
    }

    @Override
    public void close() {
      try {
        super.close();
      } catch (IOException ignored) {
        // the stream is gone either way
      }
      closePipes();
    }
  }
}
