package io.calyx.netns;

import java.util.Map;

/** Names and texts of the errno values netlink and namespace calls return. */
public final class Errno {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int EBADF = 9;
  public static final int EAGAIN = 11;
  public static final int ENOMEM = 12;
  public static final int EACCES = 13;
  public static final int EBUSY = 16;
  public static final int EEXIST = 17;
  public static final int ENODEV = 19;
  public static final int EINVAL = 22;
  public static final int ENOSPC = 28;
  public static final int ERANGE = 34;
  public static final int EOPNOTSUPP = 95;
  public static final int EADDRNOTAVAIL = 99;
  public static final int ENETUNREACH = 101;
  public static final int ENOBUFS = 105;

  private static final Map<Integer, String[]> KNOWN = Map.ofEntries(
      Map.entry(EPERM, new String[] {"EPERM", "Operation not permitted"}),
      Map.entry(ENOENT, new String[] {"ENOENT", "No such file or directory"}),
      Map.entry(ESRCH, new String[] {"ESRCH", "No such process"}),
      Map.entry(EINTR, new String[] {"EINTR", "Interrupted system call"}),
      Map.entry(EBADF, new String[] {"EBADF", "Bad file descriptor"}),
      Map.entry(EAGAIN, new String[] {"EAGAIN", "Resource temporarily unavailable"}),
      Map.entry(ENOMEM, new String[] {"ENOMEM", "Cannot allocate memory"}),
      Map.entry(EACCES, new String[] {"EACCES", "Permission denied"}),
      Map.entry(EBUSY, new String[] {"EBUSY", "Device or resource busy"}),
      Map.entry(EEXIST, new String[] {"EEXIST", "File exists"}),
      Map.entry(ENODEV, new String[] {"ENODEV", "No such device"}),
      Map.entry(EINVAL, new String[] {"EINVAL", "Invalid argument"}),
      Map.entry(ENOSPC, new String[] {"ENOSPC", "No space left on device"}),
      Map.entry(ERANGE, new String[] {"ERANGE", "Numerical result out of range"}),
      Map.entry(EOPNOTSUPP, new String[] {"EOPNOTSUPP", "Operation not supported"}),
      Map.entry(EADDRNOTAVAIL, new String[] {"EADDRNOTAVAIL", "Cannot assign requested address"}),
      Map.entry(ENETUNREACH, new String[] {"ENETUNREACH", "Network is unreachable"}),
      Map.entry(ENOBUFS, new String[] {"ENOBUFS", "No buffer space available"}));

  private Errno() {}

  /** {@code "File exists (EEXIST)"}; unknown values as {@code "errno 123"}. */
  public static String describe(int errno) {
    String[] k = KNOWN.get(errno);
    return k == null ? "errno " + errno : k[1] + " (" + k[0] + ")";
  }
}
