package io.calyx.cli;

/**
 * Something the operator asked that cannot be done (unknown pool, unreachable etcd ...): exit status 1 with
 * exactly one line on stderr.
 */
public final class UserError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UserError(String message) {
    super(message);
  }

  /** One line for any failure: the message of a user error, or the exception itself for anything else. */
  static String describe(Exception e) {
    String msg = e instanceof UserError || e instanceof UsageError ? e.getMessage() : e.toString();
    return msg == null ? e.getClass().getSimpleName() : msg.replaceAll("[\\r\\n]+", " ");
  }
}
