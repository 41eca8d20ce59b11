package dev.ferry.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * CPU time used by a server under test, in nanoseconds, as a counter read before and after a measurement: the cost
 * per request is a sturdier comparison than requests per second on a machine shared with other work. For a child
 * process (nginx, caddy) it is the process and its descendants (nginx's workers) from {@code /proc/<pid>/stat}; for
 * this JVM (Ferry's edge) the JVM's own, all threads included (JIT compilers and GC too).
 */
final class ProcessCpu {

  /** USER_HZ: the unit of utime and stime in /proc/<pid>/stat on Linux. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private ProcessCpu() {}

  static LongSupplier ofThisJvm() {
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    return os::getProcessCpuTime;
  }

  /**
   * The CPU time of this JVM's children that have exited and been waited for (cutime + cstime): read before and after
   * a wrk run, the difference is wrk's own cost. Returns -1 where /proc cannot be read.
   */
  static LongSupplier ofFinishedChildren() {
    return () -> {
      long ticks = ticks(ProcessHandle.current().pid(), 13);
      return ticks < 0 ? -1 : ticks * NANOS_PER_TICK;
    };
  }

  /** Returns -1 where /proc cannot be read (not Linux). */
  static LongSupplier of(Process process) {
    return () -> {
      ProcessHandle root = process.toHandle();
      long sum = 0;
      for (ProcessHandle handle : (Iterable<ProcessHandle>) Stream.concat(Stream.of(root), root.descendants())::iterator) {
        long ticks = ticks(handle.pid(), 11);
        if (ticks < 0 && handle.equals(root)) {
          return -1;
        }
        sum += Math.max(0, ticks);
      }
      return sum * NANOS_PER_TICK;
    };
  }

  /**
   * The sum of two adjacent fields of /proc/<pid>/stat, counted from the state field (0): 11 is utime + stime, 13 is
   * cutime + cstime (fields 14–17 of proc(5)).
   */
  private static long ticks(long pid, int first) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The fields after the command name, which is in parentheses and may hold spaces.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[first]) + Long.parseLong(fields[first + 1]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
