package dev.ferry.sandbox;

/** Waits for a command the way every sandbox does: until it exits, is canceled, or runs past its deadline. */
final class CommandWatch {

  enum Ending { EXITED, CANCELED, TIMED_OUT }

  /** One look at the command, which may block for a poll interval; true once it has exited. */
  @FunctionalInterface
  interface Poll {
    boolean exited() throws InterruptedException;
  }

  private CommandWatch() {}

  static Ending await(Poll poll, Sandbox.Cancellation cancellation, long deadlineNanos) throws InterruptedException {
    while (!poll.exited()) {
      if (cancellation.isCanceled()) {
        return Ending.CANCELED;
      }
      if (System.nanoTime() - deadlineNanos >= 0) {
        return Ending.TIMED_OUT;
      }
    }
    return Ending.EXITED;
  }
}
