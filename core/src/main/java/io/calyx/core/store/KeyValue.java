package io.calyx.core.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One stored key with its value and etcd's revision metadata.
 *
 * @param key the key
 * @param value the value bytes (callers must not modify them)
 * @param createRevision the store revision at which the key was created
 * @param modRevision the store revision of the key's last modification (the CAS token)
 * @param version how many times the key was written since its creation (1 after create)
 */
public record KeyValue(String key, byte[] value, long createRevision, long modRevision, long version) {
  public String valueText() {
    return new String(value, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyValue kv && key.equals(kv.key) && Arrays.equals(value, kv.value)
        && createRevision == kv.createRevision && modRevision == kv.modRevision && version == kv.version;
  }

  @Override
  public int hashCode() {
    return key.hashCode() * 31 + Long.hashCode(modRevision);
  }

  @Override
  public String toString() {
    return "KeyValue[" + key + "@" + modRevision + "]";
  }
}
