package dev.ferry.sandbox;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Function instances as local processes: under bubblewrap when it works here (read-only root, the function's own
 * directory read-only, Ferry's data directory hidden, private /tmp and PID namespace, gone with Ferry), with the
 * address space limited by {@code prlimit} when it is installed and asked for, and resident memory watched.
 */
public final class ProcessInstanceSandbox implements InstanceSandbox {

  static final Path PRLIMIT = Path.of("/usr/bin/prlimit");

  /**
   * Starts every instance process. bubblewrap's {@code --die-with-parent} ties a sandbox to the thread that started
   * it (the kernel's parent-death signal follows the thread, not the process), so that thread must live as long as
   * Ferry: a pool thread retiring would kill the instances it had started.
   */
  private static final java.util.concurrent.ExecutorService SPAWNER =
      java.util.concurrent.Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "ferry-instance-spawner");
        thread.setDaemon(true);
        return thread;
      });

  private final boolean useBubblewrap;
  private final List<Path> hiddenPaths;
  private final boolean limitMemory;

  public ProcessInstanceSandbox(boolean useBubblewrap, List<Path> hiddenPaths) {
    this.useBubblewrap = useBubblewrap;
    this.hiddenPaths = hiddenPaths.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    this.limitMemory = Files.isExecutable(PRLIMIT);
  }

  /** Isolated the way the build sandbox found to work on this machine. */
  public static ProcessInstanceSandbox like(ProcessSandbox builds, List<Path> hiddenPaths) {
    return new ProcessInstanceSandbox(builds.usesBubblewrap(), hiddenPaths);
  }

  public boolean usesBubblewrap() {
    return useBubblewrap;
  }

  public boolean limitsMemory() {
    return limitMemory;
  }

  @Override
  public Instance start(InstanceSpec spec, Sandbox.LogSink log) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command(spec))
        .directory(spec.workDir().toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().clear();
    builder.environment().putAll(spec.env());
    Process process = spawn(builder);
    BoundedLog output = new BoundedLog(log, 0);
    for (String stream : List.of("stdout", "stderr")) {
      Thread pump = new Thread(new LinePump(stream.equals("stdout") ? process.getInputStream()
          : process.getErrorStream(), stream, output), "function-" + process.pid() + "-" + stream);
      pump.setDaemon(true);
      pump.start();
    }
    if (spec.residentBytes() > 0) {
      ResidentMemoryWatch.watch(process, spec.residentBytes(), output::system);
    }
    return new Running(process);
  }

  private static Process spawn(ProcessBuilder builder) throws IOException {
    try {
      return SPAWNER.submit(builder::start).get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("Could not start the instance: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while starting the instance", e);
    }
  }

  List<String> command(InstanceSpec spec) {
    List<String> command = new ArrayList<>();
    if (useBubblewrap) {
      String workDir = spec.workDir().toAbsolutePath().toString();
      command.addAll(List.of(ProcessSandbox.BWRAP.toString(), "--ro-bind", "/", "/", "--dev", "/dev",
          "--proc", "/proc", "--tmpfs", "/tmp"));
      hiddenPaths.forEach(hidden -> command.addAll(List.of("--tmpfs", hidden.toString())));
      command.addAll(List.of("--ro-bind", workDir, workDir));
      spec.readOnlyPaths().forEach(path -> command.addAll(List.of("--ro-bind", path.toAbsolutePath().toString(),
          path.toAbsolutePath().toString())));
      command.addAll(List.of("--unshare-pid", "--die-with-parent", "--new-session", "--chdir", workDir, "--"));
    }
    if (limitMemory && spec.memoryBytes() > 0) {
      command.addAll(List.of(PRLIMIT.toString(), "--as=" + spec.memoryBytes(), "--"));
    }
    command.addAll(spec.command());
    return command;
  }

  private record Running(Process process) implements Instance {
    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public boolean isAlive() {
      return process.isAlive();
    }

    @Override
    public CompletableFuture<Integer> onExit() {
      return process.onExit().thenApply(Process::exitValue);
    }

    @Override
    public void kill() {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }
}
