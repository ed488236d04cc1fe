package io.calyx.core.store;

/**
 * A condition of a transaction on one key.
 *
 * @param key the key
 * @param target what is compared
 * @param revision the expected revision (ignored for {@link Target#ABSENT})
 */
public record Compare(String key, Target target, long revision) {
  /** What a compare looks at. */
  public enum Target {
    /** The key's mod revision equals {@code revision} (it was not written since it was read). */
    MOD_REVISION,
    /** The key's create revision equals {@code revision} (it is the same incarnation of the key). */
    CREATE_REVISION,
    /** The key does not exist. */
    ABSENT
  }

  public static Compare modRevision(String key, long revision) {
    return new Compare(key, Target.MOD_REVISION, revision);
  }

  public static Compare createRevision(String key, long revision) {
    return new Compare(key, Target.CREATE_REVISION, revision);
  }

  public static Compare absent(String key) {
    return new Compare(key, Target.ABSENT, 0);
  }

  /** Whether {@code current} (null = absent) satisfies this compare. */
  public boolean matches(KeyValue current) {
    return switch (target) {
      case ABSENT -> current == null;
      case MOD_REVISION -> current != null && current.modRevision() == revision;
      case CREATE_REVISION -> current != null && current.createRevision() == revision;
    };
  }
}
