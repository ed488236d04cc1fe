package io.calyx.core.store;

import java.util.List;

/**
 * An atomic transaction: when every compare holds, all writes are applied at one new revision; otherwise
 * nothing is written and the result carries the current values of the compared keys (so the caller can
 * retry without another read).
 */
public record Txn(List<Compare> compares, List<Op> writes) {
  public Txn {
    compares = List.copyOf(compares);
    writes = List.copyOf(writes);
  }
}
