package io.calyx.core;

/** Elapsed times as the debug timings of a request print them. */
public final class Elapsed {
  private Elapsed() {}

  /** Milliseconds from {@code startNanos} to {@code markNanos} ({@link System#nanoTime} values), two decimals. */
  public static String ms(long markNanos, long startNanos) {
    return String.format("%.2f", (markNanos - startNanos) / 1e6);
  }
}
