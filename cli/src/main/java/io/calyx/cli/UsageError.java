package io.calyx.cli;

/** A command line calyxctl cannot run as written (exit status 2). */
public final class UsageError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UsageError(String message) {
    super(message);
  }
}
