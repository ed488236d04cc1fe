package io.calyx.core.store;

/** A write of a transaction. */
public sealed interface Op {
  String key();

  /** Sets {@code key} to {@code value}. */
  record Put(String key, byte[] value) implements Op {}

  /** Removes {@code key} (no effect if it does not exist). */
  record Delete(String key) implements Op {}

  static Op put(String key, byte[] value) {
    return new Put(key, value);
  }

  static Op delete(String key) {
    return new Delete(key);
  }
}
