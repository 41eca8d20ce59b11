package dev.ferry.build;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds what a checkout may put on disk — fetched objects and checked-out files together — so a huge repository
 * (or a small pack that expands into huge files) cannot fill the build server. JGit asks its progress monitor often
 * whether to stop; this answers from a measurement of the directory taken at most every {@link #INTERVAL_MILLIS}.
 */
final class CheckoutSizeLimit {

  static final long INTERVAL_MILLIS = 250;

  private final Path directory;
  private final long maxBytes;
  private final AtomicBoolean exceeded = new AtomicBoolean();
  private volatile long lastMeasured;

  CheckoutSizeLimit(Path directory, long maxBytes) {
    this.directory = directory;
    this.maxBytes = maxBytes;
  }

  long maxBytes() {
    return maxBytes;
  }

  /** Whether the limit was passed, measuring again if the last measurement is old enough. */
  boolean exceeded() {
    if (exceeded.get() || maxBytes == Long.MAX_VALUE) {
      return exceeded.get();
    }
    long now = System.currentTimeMillis();
    if (now - lastMeasured >= INTERVAL_MILLIS) {
      lastMeasured = now;
      measure();
    }
    return exceeded.get();
  }

  /** Measures now, whatever the time since the last measurement. */
  boolean exceededNow() {
    if (!exceeded.get() && maxBytes != Long.MAX_VALUE) {
      measure();
    }
    return exceeded.get();
  }

  private void measure() {
    if (size(directory) > maxBytes) {
      exceeded.set(true);
    }
  }

  /** The bytes of every regular file under {@code directory}; files that vanish while it is walked count nothing. */
  static long size(Path directory) {
    long[] total = {0};
    if (!Files.isDirectory(directory)) {
      return 0;
    }
    try {
      Files.walkFileTree(directory, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
          if (attributes.isRegularFile()) {
            total[0] += attributes.size();
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      // counted what could be counted
    }
    return total[0];
  }
}
