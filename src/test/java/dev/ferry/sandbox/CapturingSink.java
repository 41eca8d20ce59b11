package dev.ferry.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/** Records every line a sandbox emits, optionally reacting to each. */
final class CapturingSink implements Sandbox.LogSink {

  record Line(String stream, String text) {}

  private final List<Line> lines = new ArrayList<>();
  private final BiConsumer<String, String> onLine;

  CapturingSink() {
    this((stream, text) -> {});
  }

  CapturingSink(BiConsumer<String, String> onLine) {
    this.onLine = onLine;
  }

  @Override
  public synchronized void line(String stream, String text) {
    lines.add(new Line(stream, text));
    onLine.accept(stream, text);
  }

  synchronized List<String> texts(String stream) {
    return lines.stream().filter(line -> line.stream().equals(stream)).map(Line::text).toList();
  }

  synchronized List<Line> all() {
    return List.copyOf(lines);
  }
}
