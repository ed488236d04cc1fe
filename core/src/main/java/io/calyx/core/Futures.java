package io.calyx.core;

import java.util.concurrent.CompletionException;

/** Helpers for the futures of asynchronous calls. */
public final class Futures {
  private Futures() {}

  /**
   * The cause a {@link CompletionException} wraps (what the stage that failed threw), else {@code error}
   * itself: a dependent stage's {@code handle} sees the wrapper, the first stage's the cause.
   */
  public static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }
}
