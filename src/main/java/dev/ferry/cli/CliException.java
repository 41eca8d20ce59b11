package dev.ferry.cli;

/** Ends a command with a message on stderr and an exit code. */
public class CliException extends RuntimeException {

  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  /** An API or state error (exit code 1). */
  public static CliException error(String message) {
    return new CliException(Cli.EXIT_ERROR, message);
  }

  /** The command line does not make sense (exit code 2). */
  public static CliException usage(String message) {
    return new CliException(Cli.EXIT_USAGE, message);
  }

  public int exitCode() {
    return exitCode;
  }
}
