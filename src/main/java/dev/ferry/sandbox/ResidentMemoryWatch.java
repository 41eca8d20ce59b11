package dev.ferry.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The memory limit of a process sandbox for runtimes that reserve far more address space than they use (V8 and its
 * WebAssembly guard regions): an address-space limit breaks them, so the resident memory of the process tree is
 * checked instead, and the tree is killed once it passes the limit.
 */
final class ResidentMemoryWatch {

  static final long PERIOD_MS = 100;

  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "ferry-memory-watch");
    thread.setDaemon(true);
    return thread;
  });

  private ResidentMemoryWatch() {}

  /** Watches {@code process} until it exits; past {@code limitBytes} it says so to {@code exceeded} and is killed. */
  static void watch(Process process, long limitBytes, Consumer<String> exceeded) {
    ScheduledFuture<?>[] task = new ScheduledFuture<?>[1];
    task[0] = TIMER.scheduleAtFixedRate(() -> {
      if (!process.isAlive()) {
        task[0].cancel(false);
        return;
      }
      long resident = residentBytes(process.toHandle());
      if (resident > limitBytes) {
        task[0].cancel(false);
        exceeded.accept("Out of memory: the function used " + (resident >> 20) + " MB, more than its limit of "
            + (limitBytes >> 20) + " MB; the instance was stopped");
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    }, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    process.onExit().thenRun(() -> task[0].cancel(false));
  }

  /** The resident set of a process and its descendants, from /proc (0 for what has already gone). */
  static long residentBytes(ProcessHandle root) {
    return Stream.concat(Stream.of(root), root.descendants()).mapToLong(ResidentMemoryWatch::residentOf).sum();
  }

  private static long residentOf(ProcessHandle process) {
    try (Stream<String> lines = Files.lines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
      return lines.filter(line -> line.startsWith("VmRSS:")).findFirst()
          .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024L).orElse(0L);
    } catch (IOException | java.io.UncheckedIOException | NumberFormatException e) {
      return 0;
    }
  }
}
