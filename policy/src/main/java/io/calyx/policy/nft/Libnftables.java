package io.calyx.policy.nft;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The libnftables calls calyx needs ({@code libnftables.so.1}, from Debian's {@code libnftables1}, which
 * {@code nftables} depends on), as FFM downcalls. A context owns a netlink socket bound to the network
 * namespace of the thread that opened it, and is not thread-safe: {@link LibnftablesApplier} keeps each
 * context on one dedicated thread.
 */
@SuppressWarnings("restricted") // FFM downcalls are this class's purpose; native access is enabled in the jar manifests.
final class Libnftables {
  static final String LIBRARY = "libnftables.so.1";
  /** {@code NFT_CTX_OUTPUT_JSON} of {@code libnftables.h}. */
  static final int OUTPUT_JSON = 1 << 4;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final Throwable UNAVAILABILITY_CAUSE;
  private static final MethodHandle CTX_NEW;
  private static final MethodHandle CTX_FREE;
  private static final MethodHandle BUFFER_OUTPUT;
  private static final MethodHandle BUFFER_ERROR;
  private static final MethodHandle GET_OUTPUT;
  private static final MethodHandle GET_ERROR;
  private static final MethodHandle RUN_CMD;
  private static final MethodHandle SET_OUTPUT_FLAGS;

  static {
    MethodHandle[] h = new MethodHandle[8];
    Throwable cause = null;
    try {
      SymbolLookup lib = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
      h[0] = downcall(lib, "nft_ctx_new", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
      h[1] = downcall(lib, "nft_ctx_free", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
      h[2] = downcall(lib, "nft_ctx_buffer_output", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
      h[3] = downcall(lib, "nft_ctx_buffer_error", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
      h[4] = downcall(lib, "nft_ctx_get_output_buffer", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
      h[5] = downcall(lib, "nft_ctx_get_error_buffer", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
      h[6] = downcall(lib, "nft_run_cmd_from_buffer", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
      h[7] = downcall(lib, "nft_ctx_output_set_flags", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    } catch (RuntimeException e) {
      cause = e;
    }
    UNAVAILABILITY_CAUSE = cause;
    CTX_NEW = h[0];
    CTX_FREE = h[1];
    BUFFER_OUTPUT = h[2];
    BUFFER_ERROR = h[3];
    GET_OUTPUT = h[4];
    GET_ERROR = h[5];
    RUN_CMD = h[6];
    SET_OUTPUT_FLAGS = h[7];
  }

  private Libnftables() {}

  private static MethodHandle downcall(SymbolLookup lib, String name, FunctionDescriptor fd) {
    MemorySegment symbol = lib.find(name).orElseThrow(() -> new IllegalStateException(LIBRARY + " has no " + name));
    return LINKER.downcallHandle(symbol, fd);
  }

  static boolean isAvailable() {
    return UNAVAILABILITY_CAUSE == null;
  }

  /** Throws a clear error when the library cannot be loaded. */
  static void ensureAvailable() {
    if (UNAVAILABILITY_CAUSE != null) {
      throw new NftException(LIBRARY + " is not available (install the nftables package)", UNAVAILABILITY_CAUSE);
    }
  }

  /** The outcome of one {@code nft_run_cmd_from_buffer}. */
  record Result(int rc, String output, String error) {}

  /** A new context with buffered output and error (nothing is printed to the process's stdout/stderr). */
  static MemorySegment newContext() {
    ensureAvailable();
    try {
      MemorySegment ctx = (MemorySegment) CTX_NEW.invokeExact(0);
      if (ctx.equals(MemorySegment.NULL)) {
        throw new NftException("nft_ctx_new", "returned NULL");
      }
      int a = (int) BUFFER_OUTPUT.invokeExact(ctx);
      int b = (int) BUFFER_ERROR.invokeExact(ctx);
      if (a != 0 || b != 0) {
        throw new NftException("nft_ctx_buffer_output/error", "failed");
      }
      return ctx;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void free(MemorySegment ctx) {
    try {
      CTX_FREE.invokeExact(ctx);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void setOutputFlags(MemorySegment ctx, int flags) {
    try {
      SET_OUTPUT_FLAGS.invokeExact(ctx, flags);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Runs commands (one transaction) and collects both buffers, which each call resets. */
  static Result run(MemorySegment ctx, String commands) {
    try (Arena arena = Arena.ofConfined()) {
      int rc = (int) RUN_CMD.invokeExact(ctx, arena.allocateFrom(commands));
      return new Result(rc, string((MemorySegment) GET_OUTPUT.invokeExact(ctx)), string((MemorySegment) GET_ERROR.invokeExact(ctx)));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static String string(MemorySegment p) {
    return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(Long.MAX_VALUE).getString(0);
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
}
