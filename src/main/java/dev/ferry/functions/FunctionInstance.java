package dev.ferry.functions;

import dev.ferry.sandbox.InstanceSandbox;
import java.util.concurrent.CompletableFuture;

/**
 * One running instance of a function: its process, the loopback port it serves on once it said so (its launcher
 * prints {@value #READY} and the port), and where the rest of its output goes.
 */
final class FunctionInstance {

  static final String READY = "FERRY_FUNCTION_READY ";

  /** Receives the output lines of an instance. */
  interface Output {
    void line(String stream, String text);
  }

  private final CompletableFuture<Integer> ready = new CompletableFuture<>();
  private volatile Output output;
  private volatile InstanceSandbox.Instance process;
  private volatile long lastUsedNanos = System.nanoTime();
  private InstanceConnection connection;

  FunctionInstance(Output output) {
    this.output = output;
  }

  /** Called by the sandbox for every output line. */
  void line(String stream, String text) {
    if (!ready.isDone() && stream.equals("stdout") && text.startsWith(READY)) {
      try {
        ready.complete(Integer.parseInt(text.substring(READY.length()).trim()));
      } catch (NumberFormatException e) {
        ready.completeExceptionally(new IllegalStateException("The launcher announced no port: " + text));
      }
      return;
    }
    output.line(stream, text);
  }

  /** From now on, output lines go to {@code to} (a spare becoming a function's instance). */
  void outputTo(Output to) {
    this.output = to;
  }

  void started(InstanceSandbox.Instance started) {
    this.process = started;
    started.onExit().thenAccept(code -> ready.completeExceptionally(
        new IllegalStateException("The function exited with code " + code + " before it was ready")));
  }

  CompletableFuture<Integer> ready() {
    return ready;
  }

  /** The port, once ready. */
  int port() {
    return ready.getNow(-1);
  }

  boolean isAlive() {
    InstanceSandbox.Instance p = process;
    return p != null && p.isAlive();
  }

  CompletableFuture<Integer> onExit() {
    return process.onExit();
  }

  /** The connection to the instance, once ready; opened at its first request. */
  synchronized InstanceConnection connection() {
    if (connection == null) {
      connection = new InstanceConnection(port());
    }
    return connection;
  }

  void kill() {
    InstanceConnection c;
    synchronized (this) {
      c = connection;
    }
    if (c != null) {
      c.close();
    }
    InstanceSandbox.Instance p = process;
    if (p != null) {
      p.kill();
    }
  }

  /** Called when a request is done with the instance: its idle time starts now. */
  void detach() {
    this.lastUsedNanos = System.nanoTime();
  }

  long idleNanos(long now) {
    return now - lastUsedNanos;
  }
}
