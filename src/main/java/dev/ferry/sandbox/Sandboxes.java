package dev.ferry.sandbox;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the build sandbox from {@code ferry.build.sandbox} (see build.conf). */
public final class Sandboxes {

  private static final Logger logger = LoggerFactory.getLogger(Sandboxes.class);

  private Sandboxes() {}

  /**
   * @param hiddenPaths what a process sandbox hides from commands (Ferry's data directory); a container sees only its
   *     work directory anyway
   * @throws IllegalArgumentException for an unknown kind, or a container engine that does not answer
   */
  public static Sandbox fromConfig(Config config, List<Path> hiddenPaths) {
    Config sandbox = config.getConfig("ferry.build.sandbox");
    String kind = sandbox.getString("kind").trim().toLowerCase();
    switch (kind) {
      case "process":
        return ProcessSandbox.detect(hiddenPaths);
      case "container":
        ContainerSandbox container = new ContainerSandbox(containerOptions(sandbox));
        announce("Builds", container.options().image(), container.options().dockerHost(), "FERRY_DOCKER_HOST",
            container::engineVersion);
        if (!container.imagePresent()) {
          logger.warn("The build image {} is not on the container engine; builds fail until it is (FERRY_BUILD_IMAGE)",
              container.options().image());
        }
        return container;
      default:
        throw new IllegalArgumentException(
            "Unknown build sandbox '" + kind + "' (FERRY_BUILD_SANDBOX): use process or container");
    }
  }

  /** Logs where the containers run; fails when the engine does not answer, so a misconfigured node says so. */
  private static void announce(String what, String image, String dockerHost, String variable,
      java.util.function.Supplier<String> engineVersion) {
    try {
      logger.info("{} run in containers of {} on {} (engine {})", what, image, dockerHost, engineVersion.get());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("The container engine at " + dockerHost + " (" + variable
          + ") does not answer: " + e.getMessage(), e);
    }
  }

  static ContainerSandbox.Options containerOptions(Config sandbox) {
    return new ContainerSandbox.Options(
        sandbox.getString("docker-host").trim(),
        sandbox.getString("image").trim(),
        sandbox.getDouble("cpus"),
        sandbox.getBytes("memory"),
        sandbox.getLong("pids-limit"));
  }

  /**
   * The function instance sandbox from {@code ferry.functions.sandbox} (see functions.conf).
   *
   * @throws IllegalArgumentException for an unknown kind, or a container engine that does not answer
   */
  public static InstanceSandbox instancesFromConfig(Config config, List<Path> hiddenPaths) {
    Config sandbox = config.getConfig("ferry.functions.sandbox");
    String kind = sandbox.getString("kind").trim().toLowerCase();
    switch (kind) {
      case "process":
        return ProcessInstanceSandbox.like(ProcessSandbox.detect(hiddenPaths), hiddenPaths);
      case "container":
        ContainerInstanceSandbox container = new ContainerInstanceSandbox(new ContainerInstanceSandbox.Options(
            sandbox.getString("docker-host").trim(), sandbox.getString("image").trim(), sandbox.getDouble("cpus"),
            sandbox.getLong("pids-limit")));
        announce("Function instances", container.options().image(), container.options().dockerHost(),
            "FERRY_FUNCTIONS_DOCKER_HOST", container::engineVersion);
        return container;
      default:
        throw new IllegalArgumentException(
            "Unknown functions sandbox '" + kind + "' (FERRY_FUNCTIONS_SANDBOX): use process or container");
    }
  }
}
