package dev.ferry.sandbox;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Starts long-running, untrusted processes (function instances) in isolation, the sibling of {@link Sandbox} for
 * commands that serve rather than finish. Implementations: {@link ProcessInstanceSandbox} (embedded default),
 * {@link ContainerInstanceSandbox}.
 */
public interface InstanceSandbox {

  /** Starts the process; its output lines go to {@code log} until it exits. */
  Instance start(InstanceSpec spec, Sandbox.LogSink log) throws IOException;

  /**
   * @param command the program and its arguments
   * @param workDir where it runs; mounted read-only
   * @param readOnlyPaths further paths it may read (the launcher), everything else of Ferry's data stays hidden
   * @param env the whole environment (nothing of Ferry's own is passed on)
   * @param memoryBytes the address-space limit of the process, 0 for none
   * @param residentBytes the memory it may use (a container's memory limit), 0 for none
   */
  record InstanceSpec(List<String> command, Path workDir, List<Path> readOnlyPaths, Map<String, String> env,
      long memoryBytes, long residentBytes) {

    /** Limited in address space only (a process sandbox). */
    public InstanceSpec(List<String> command, Path workDir, List<Path> readOnlyPaths, Map<String, String> env,
        long memoryBytes) {
      this(command, workDir, readOnlyPaths, env, memoryBytes, memoryBytes);
    }
  }

  /** A started process. */
  interface Instance {
    long pid();

    boolean isAlive();

    /** Completes with the exit code once the process has ended. */
    CompletableFuture<Integer> onExit();

    /** Stops the process and whatever it started, at once. */
    void kill();
  }
}
