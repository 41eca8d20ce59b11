package dev.ferry.cli;

import java.io.Console;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the CLI reads from and writes to, so that tests can run it in-process: the environment variables, the
 * working directory, the standard streams and the terminal (null when not attached to one).
 */
public record CliEnvironment(Map<String, String> variables, Path workingDirectory, InputStream in, PrintStream out,
    PrintStream err, Console console) {

  public static CliEnvironment system() {
    return new CliEnvironment(System.getenv(), Path.of("").toAbsolutePath(), System.in, System.out, System.err,
        System.console());
  }

  public String variable(String name) {
    String value = variables.get(name);
    return value == null || value.isBlank() ? null : value;
  }

  /** Attached to a terminal: prompts and progress lines make sense. */
  public boolean interactive() {
    return console != null;
  }

  /** The user's home directory: {@code HOME}, else the JVM's idea of it. */
  public Path home() {
    String home = variable("HOME");
    return Path.of(home != null ? home : System.getProperty("user.home"));
  }
}
