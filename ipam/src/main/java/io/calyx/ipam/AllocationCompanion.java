package io.calyx.ipam;

import io.calyx.core.store.Op;
import java.util.List;

/**
 * What a caller of {@link HostAllocator#allocate(AllocateRequest, AllocationCompanion)} learns before the
 * allocation is durable, and what it writes together with it.
 *
 * <p>The host's allocator is the only one that assigns addresses in its blocks (strict affinity), so the
 * addresses it plans are, almost always, the ones it then commits: the calyx plugin starts wiring the
 * container with them while the transaction is on its way, and writes the endpoint record in that same
 * transaction instead of a second round trip. Only when another writer changed a block in between (the
 * CLI, the reclaimer) does a new plan follow; the committed record is the one that counts.
 *
 * <p>Callbacks run on the allocator's committer thread (or, for {@link HostAllocator#releaseWaiting}, on the
 * waiting caller's when it commits itself): they must be quick, must not block and must not call back into
 * the allocator.
 */
public interface AllocationCompanion {
  /**
   * The addresses about to be written for a new allocation (not yet durable; not called for releases). Called before every attempt
   * at the transaction, so possibly again with other addresses after a conflict.
   */
  void planned(HandleRecord record);

  /**
   * Documents to write in the same transaction as {@code record}: the new handle record of an allocation,
   * or the record a release deletes ({@link HostAllocator#release(io.calyx.core.HandleId, io.calyx.core.Deadline, AllocationCompanion)}).
   */
  List<Op> alongside(HandleRecord record);

  /** The transaction with {@link #alongside} documents committed. */
  void written();

  /** Learns nothing, writes nothing. */
  AllocationCompanion NONE = new AllocationCompanion() {
    @Override
    public void planned(HandleRecord record) {}

    @Override
    public List<Op> alongside(HandleRecord record) {
      return List.of();
    }

    @Override
    public void written() {}
  };
}
