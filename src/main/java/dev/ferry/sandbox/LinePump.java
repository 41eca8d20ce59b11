package dev.ferry.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads one output stream of a process as UTF-8 lines until it closes. */
final class LinePump implements Runnable {

  /** Output without newlines (minified files, progress bars) is split so one line cannot exhaust memory. */
  static final int MAX_LINE_CHARS = 16 * 1024;

  private static final Logger logger = LoggerFactory.getLogger(LinePump.class);

  private final InputStream in;
  private final String stream;
  private final BoundedLog log;

  LinePump(InputStream in, String stream, BoundedLog log) {
    this.in = in;
    this.stream = stream;
    this.log = log;
  }

  @Override
  public void run() {
    StringBuilder line = new StringBuilder();
    try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      char[] buffer = new char[8192];
      for (int n; (n = reader.read(buffer)) >= 0; ) {
        for (int i = 0; i < n; i++) {
          char c = buffer[i];
          if (c == '\n') {
            emit(line);
          } else {
            line.append(c);
            if (line.length() >= MAX_LINE_CHARS && !Character.isHighSurrogate(c)) {
              emit(line);
            }
          }
        }
      }
    } catch (IOException e) {
      logger.debug("{} pump ended: {}", stream, e.toString());
    }
    if (line.length() > 0) {
      emit(line);
    }
  }

  private void emit(StringBuilder line) {
    int end = line.length();
    if (end > 0 && line.charAt(end - 1) == '\r') {
      end--;
    }
    log.output(stream, line.substring(0, end));
    line.setLength(0);
  }
}
