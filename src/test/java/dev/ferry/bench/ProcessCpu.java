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

  /** Returns -1 where /proc cannot be read (not Linux). */
  static LongSupplier of(Process process) {
    return () -> {
      ProcessHandle root = process.toHandle();
      long sum = 0;
      for (ProcessHandle handle : (Iterable<ProcessHandle>) Stream.concat(Stream.of(root), root.descendants())::iterator) {
        long ticks = ticks(handle.pid());
        if (ticks < 0 && handle.equals(root)) {
          return -1;
        }
        sum += Math.max(0, ticks);
      }
      return sum * NANOS_PER_TICK;
    };
  }

  private static long ticks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Fields after the command name (which may hold spaces) in parentheses; utime and stime are fields 14 and 15.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
