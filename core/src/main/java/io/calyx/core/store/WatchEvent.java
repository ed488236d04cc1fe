package io.calyx.core.store;

/**
 * A change seen by a watch.
 *
 * @param type put or delete
 * @param kv the key's new state (for a delete: the key, an empty value and the deletion's revision)
 */
public record WatchEvent(Type type, KeyValue kv) {
  /** Kind of change. */
  public enum Type {
    PUT,
    DELETE
  }
}
