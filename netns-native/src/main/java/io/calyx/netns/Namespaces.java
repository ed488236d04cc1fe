package io.calyx.netns;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntSupplier;

/**
 * Enters network namespaces safely. {@code setns} changes the namespace of the calling OS thread only, so
 * every switch happens on one dedicated platform thread (never a virtual thread, whose carrier would be
 * left in the wrong namespace), which always returns to the namespace the process started in: the agent
 * may itself run inside a namespace, so "home" is that one, never {@code /proc/1/ns/net}.
 */
public final class Namespaces {
  private static final ExecutorService SWITCHER =
      Executors.newSingleThreadExecutor(Thread.ofPlatform().name("calyx-netns").daemon().factory());
  /** The process's own network namespace, captured before any thread switches. */
  private static final int HOME = Libc.open("/proc/self/ns/net");

  private Namespaces() {}

  /** Opens a namespace by path ({@code /var/run/netns/X}, {@code /proc/PID/ns/net}, a Mesos bind mount). */
  public static int open(String path) {
    return Libc.open(path);
  }

  /** Runs {@code body} with the switcher thread inside the namespace of {@code nsFd}; returns its result. */
  public static int inNamespace(int nsFd, String what, IntSupplier body) {
    Future<Integer> f = SWITCHER.submit(() -> {
      Libc.setns(nsFd, what);
      try {
        return body.getAsInt();
      } finally {
        Libc.setns(HOME, "the agent's own network namespace");
      }
    });
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NativeException("interrupted entering " + what);
    }
  }

  /**
   * Moves the calling thread into the namespace of {@code nsFd} for good: for a dedicated platform thread
   * whose sockets must all live there (e.g. an nftables context). Refused on a virtual thread, whose
   * carrier would be left in the wrong namespace.
   */
  public static void enterPermanently(int nsFd, String what) {
    if (Thread.currentThread().isVirtual()) {
      throw new NativeException("entering " + what + " needs a dedicated platform thread, not a virtual thread");
    }
    Libc.setns(nsFd, what);
  }

  /** Closes a namespace fd opened with {@link #open}. */
  public static void close(int fd) {
    Libc.close(fd);
  }

  /** Makes the first native calls now (they cost 80–220 ms once per process), not on the first ADD. */
  public static void warmUp() {
    int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_ROUTE);
    Libc.close(fd);
    inNamespace(HOME, "home", () -> 0);
  }
}
