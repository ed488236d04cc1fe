package io.calyx.policy.nft;

import java.util.Optional;

/**
 * Where nft batches go: libnftables in the agent's (or a simulated host's) network namespace
 * ({@link LibnftablesApplier}), or an in-memory model of nft's semantics in tests
 * ({@link InMemoryNftApplier}). Implementations are thread-safe.
 */
public interface NftApplier extends AutoCloseable {
  /**
   * Applies {@code batch} as one transaction: all of it, or nothing.
   *
   * @throws NftException with nft's message when it is refused
   */
  void apply(NftBatch batch);

  /** What the kernel holds in {@code inet calyx} now (for drift detection); empty when the table is absent. */
  Optional<TableSnapshot> readTable();

  @Override
  void close();
}
