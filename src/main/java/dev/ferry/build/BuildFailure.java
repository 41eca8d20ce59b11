package dev.ferry.build;

/** A build that cannot succeed, with a message for the user (shown in the log and on the deployment). */
public final class BuildFailure extends Exception {

  public BuildFailure(String message) {
    super(message);
  }
}
