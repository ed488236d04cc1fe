package io.calyx.netns;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls calyx needs, as FFM downcalls that capture errno. Each method returns the call's result
 * and throws {@link NativeException} naming the operation and object when it fails.
 */
@SuppressWarnings("restricted") // FFM downcalls are this class's purpose; native access is enabled in the jar manifests.
final class Libc {
  static final int AF_NETLINK = 16;
  static final int SOCK_RAW = 3;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int NETLINK_ROUTE = 0;
  static final int SOL_SOCKET = 1;
  static final int SO_RCVTIMEO = 20;
  static final int O_RDONLY = 0;
  static final int O_CLOEXEC = 0x80000;
  static final int CLONE_NEWNET = 0x40000000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

  private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
      ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle BIND = downcall("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT,
      ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle SENDTO = downcall("sendto", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
      ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle RECV = downcall("recv", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
      ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
  private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle SETNS = downcall("setns", FunctionDescriptor.of(ValueLayout.JAVA_INT,
      ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(ValueLayout.JAVA_INT,
      ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle SETSOCKOPT = downcall("setsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT,
      ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

  private Libc() {}

  private static MethodHandle downcall(String name, FunctionDescriptor fd) {
    MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new NativeException("libc has no " + name));
    return LINKER.downcallHandle(symbol, fd, CAPTURE_ERRNO);
  }

  private static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }

  static int socket(int domain, int type, int protocol) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int fd = (int) SOCKET.invokeExact(state, domain, type, protocol);
      if (fd < 0) {
        throw new NativeException("socket", "AF_NETLINK", errno(state));
      }
      return fd;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void bindNetlink(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      MemorySegment addr = arena.allocate(12);
      addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
      int r = (int) BIND.invokeExact(state, fd, addr, 12);
      if (r < 0) {
        throw new NativeException("bind", "netlink socket", errno(state));
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** SO_RCVTIMEO: a receive never blocks longer than this. */
  static void setReceiveTimeout(int fd, long millis) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      MemorySegment tv = arena.allocate(16);
      tv.set(ValueLayout.JAVA_LONG, 0, millis / 1000);
      tv.set(ValueLayout.JAVA_LONG, 8, (millis % 1000) * 1000);
      int r = (int) SETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
      if (r < 0) {
        throw new NativeException("setsockopt", "SO_RCVTIMEO", errno(state));
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Sends {@code len} bytes of {@code buf} to the kernel (netlink pid 0). */
  static void sendToKernel(int fd, MemorySegment buf, long len, String what) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      MemorySegment kernel = arena.allocate(12);
      kernel.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
      while (true) {
        long r = (long) SENDTO.invokeExact(state, fd, buf, len, 0, kernel, 12);
        if (r >= 0) {
          return;
        }
        int e = errno(state);
        if (e != Errno.EINTR) {
          throw new NativeException("send", what, e);
        }
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Receives one datagram into {@code buf}; returns its length. */
  static int recv(int fd, MemorySegment buf, String what) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      while (true) {
        long r = (long) RECV.invokeExact(state, fd, buf, buf.byteSize(), 0);
        if (r >= 0) {
          return (int) r;
        }
        int e = errno(state);
        if (e != Errno.EINTR) {
          throw new NativeException("recv", what, e);
        }
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void close(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int r = (int) CLOSE.invokeExact(state, fd);
      if (r < 0 && errno(state) != Errno.EINTR) {
        throw new NativeException("close", "fd " + fd, errno(state));
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static int open(String path) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        throw new NativeException("open", path, errno(state));
      }
      return fd;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Moves the calling OS thread into the network namespace of {@code fd}. Only on a dedicated platform thread. */
  static void setns(int fd, String what) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int r = (int) SETNS.invokeExact(state, fd, CLONE_NEWNET);
      if (r < 0) {
        throw new NativeException("setns", what, errno(state));
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }
}
