package io.calyx.netns;

/**
 * A failed system call or netlink request, naming the operation, the object and the error, e.g.
 * {@code RTM_NEWLINK veth cali1234567890a: File exists (EEXIST)}.
 */
public final class NativeException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int errno;

  public NativeException(String operation, String object, int errno) {
    super(operation + " " + object + ": " + Errno.describe(errno));
    this.errno = errno;
  }

  public NativeException(String message) {
    super(message);
    this.errno = 0;
  }

  /** The errno (positive), or 0 when the failure was not a system error. */
  public int errno() {
    return errno;
  }

  public boolean is(int code) {
    return errno == code;
  }
}
