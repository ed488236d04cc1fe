package io.calyx.testkit;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Test-only {@code setns}: moves the calling platform thread into a test namespace for good (policy itself
 * never enters namespaces; the agent gives the applier a thread that is already in the right one). A socket
 * belongs to the namespace of the thread that creates it, so a thread made here also opens listeners and
 * connections "inside" a test container.
 */
@SuppressWarnings("restricted")
public final class NetnsThreads {
  private static final int CLONE_NEWNET = 0x40000000;
  private static final int O_RDONLY_CLOEXEC = 0x80000;
  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), Linker.Option.captureCallState("errno"));
  private static final MethodHandle SETNS = LINKER.downcallHandle(LINKER.defaultLookup().find("setns").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), Linker.Option.captureCallState("errno"));
  private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

  private NetnsThreads() {}

  /** Moves the calling (platform) thread into {@code ns}. */
  public static void enter(Netns ns) {
    if (Thread.currentThread().isVirtual()) {
      throw new IllegalStateException("setns on a virtual thread would move its carrier");
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(ns.path().toString()), O_RDONLY_CLOEXEC);
      if (fd < 0) {
        throw new IllegalStateException("open " + ns.path() + ": errno " + (int) ERRNO.get(state, 0L));
      }
      int r = (int) SETNS.invokeExact(state, fd, CLONE_NEWNET);
      int errno = (int) ERRNO.get(state, 0L);
      int ignored = (int) CLOSE.invokeExact(fd);
      if (r < 0) {
        throw new IllegalStateException("setns " + ns.name() + ": errno " + errno + " (ignored close result " + ignored + ")");
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** A single platform thread living in {@code ns}. */
  public static ExecutorService threadIn(Netns ns) {
    ExecutorService e = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("in-" + ns.name()).daemon().factory());
    try {
      e.submit(() -> enter(ns)).get();
    } catch (Exception x) {
      e.shutdownNow();
      throw new IllegalStateException("cannot enter " + ns.name(), x);
    }
    return e;
  }
}
