package io.calyx.core.store;

import java.util.List;

/**
 * An atomic transaction: when every compare holds, all writes are applied at one new revision; otherwise
 * nothing is written and the result carries the current values of the compared keys (so the caller can
 * retry without another read).
 */
public record Txn(List<Compare> compares, List<Op> writes) {
  /** etcd's default {@code --max-txn-ops}: more compares or writes in one transaction are refused. */
  public static final int MAX_OPS = 128;

  public Txn {
    compares = List.copyOf(compares);
    writes = List.copyOf(writes);
    if (compares.size() > MAX_OPS || writes.size() > MAX_OPS) {
      throw new IllegalArgumentException("a transaction holds at most " + MAX_OPS + " compares and " + MAX_OPS
          + " writes (etcd --max-txn-ops); this one has " + compares.size() + " and " + writes.size());
    }
  }
}
