package io.calyx.core.store;

import java.util.Map;
import java.util.Optional;

/**
 * The outcome of a {@link Txn}.
 *
 * @param succeeded whether the compares held and the writes were applied
 * @param revision the store revision after the transaction (the writes' revision when it succeeded)
 * @param current when it failed: the current value of every compared key (absent keys map to empty)
 */
public record TxnResult(boolean succeeded, long revision, Map<String, Optional<KeyValue>> current) {
  public TxnResult {
    current = Map.copyOf(current);
  }
}
