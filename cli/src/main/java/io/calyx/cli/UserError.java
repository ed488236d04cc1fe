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

  /** One line for any failure: the message of an expected failure, or the exception itself for a bug. */
  static String describe(Exception e) {
    String msg = switch (e) {
      case UserError u -> u.getMessage();
      case UsageError u -> u.getMessage();
      case io.calyx.core.InvalidValueException i -> i.getMessage();
      case io.calyx.core.store.DatastoreUnavailableException d -> d.getMessage();
      case io.calyx.ipam.IpamException i -> i.getMessage();
      case io.calyx.ipam.CorruptDocumentException c -> c.getMessage();
      default -> e.toString();
    };
    return msg == null ? e.getClass().getSimpleName() : msg.replaceAll("[\\r\\n]+", " ");
  }
}
