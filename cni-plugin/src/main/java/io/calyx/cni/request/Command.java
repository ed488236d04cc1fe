package io.calyx.cni.request;

import java.util.Optional;

/** The CNI commands ({@code CNI_COMMAND}). */
public enum Command {
  ADD,
  DEL,
  CHECK,
  VERSION,
  STATUS,
  GC;

  public static Optional<Command> parse(String text) {
    for (Command c : values()) {
      if (c.name().equals(text)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
