package io.calyx.ipam;

import io.calyx.core.Deadline;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Compare;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.core.store.TxnResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Releases one address by IP, for operators (and the reclaimer), from any process: compare-and-swap on
 * the block and on the handle record, so an allocation that happens concurrently is never released by
 * mistake. The handle keeps its other addresses; a handle left with none is deleted.
 */
public final class AddressRelease {
  private final Datastore store;

  public AddressRelease(Datastore store) {
    this.store = store;
  }

  /**
   * A condition for releasing an address, checked on every attempt against what that attempt read and
   * made part of its compare-and-swap: when something the guard looked at changes before the write, the
   * transaction fails and the guard is asked again with fresh data.
   */
  @FunctionalInterface
  public interface Guard {
    /** No condition. */
    Guard NONE = (ip, holder, record, block) -> List.of();

    /**
     * Returns the compares under which the release of {@code ip} may go ahead, or throws to refuse it.
     *
     * @param ip the address
     * @param holder who holds it (per the block)
     * @param record the holder's handle record, if there is one
     * @param block the block it is in
     */
    List<Compare> check(IpAddress ip, Allocation holder, Optional<HandleRecord> record, Block block);
  }

  /**
   * Releases {@code ip}. Returns what was released; empty when the address was not allocated.
   *
   * @throws IpamException CONTENTION when the block kept changing
   */
  public Optional<Allocation> release(IpAddress ip, Deadline deadline) {
    return release(ip, Guard.NONE, deadline);
  }

  /**
   * Releases {@code ip} if {@code guard} allows it. Returns what was released; empty when the address was
   * not allocated.
   *
   * @throws IpamException CONTENTION when the block kept changing
   */
  public Optional<Allocation> release(IpAddress ip, Guard guard, Deadline deadline) {
    return release(ip, guard, (holder, record, block) -> List.of(), deadline);
  }

  /** Writes that go into the release's transaction, given what it releases (see {@link Guard#check}). */
  @FunctionalInterface
  public interface Alongside {
    List<Op> writes(Allocation holder, Optional<HandleRecord> record, Block block);
  }

  /** Like {@link #release(IpAddress, Guard, Deadline)}, with {@code alongside}'s writes in the same transaction. */
  public Optional<Allocation> release(IpAddress ip, Guard guard, Alongside alongside, Deadline deadline) {
    for (int attempt = 0; attempt < HostAllocator.MAX_ATTEMPTS; attempt++) {
      Optional<KeyValue> blockKv = findBlock(ip, deadline);
      if (blockKv.isEmpty()) {
        return Optional.empty();
      }
      Block block = Codec.decodeBlock(blockKv.get());
      int ordinal = block.ordinalOf(ip).orElseThrow();
      Allocation holder = block.holder(ordinal);
      if (holder == null) {
        return Optional.empty();
      }
      List<Compare> compares = new ArrayList<>(List.of(Compare.modRevision(blockKv.get().key(), blockKv.get().modRevision())));
      List<Op> writes = new ArrayList<>(List.of(Op.put(blockKv.get().key(), Codec.encode(block.release(List.of(ordinal))))));
      String handleKey = Keys.handle(holder.handle());
      Optional<KeyValue> handleKv = store.get(handleKey, deadline);
      Optional<HandleRecord> record = handleKv.map(Codec::decodeHandle);
      if (record.isPresent()) {
        HandleRecord h = record.get();
        List<HandleRecord.AssignedIp> rest = h.ips().stream().filter(a -> !a.ip().equals(ip)).toList();
        compares.add(Compare.modRevision(handleKey, handleKv.get().modRevision()));
        writes.add(rest.isEmpty() ? Op.delete(handleKey)
            : Op.put(handleKey, Codec.encode(new HandleRecord(h.handle(), h.host(), h.origin(), h.since(), rest))));
      } else {
        compares.add(Compare.absent(handleKey));
      }
      compares.addAll(guard.check(ip, holder, record, block));
      writes.addAll(alongside.writes(holder, record, block));
      TxnResult r = store.txn(new Txn(compares, writes), deadline);
      if (r.succeeded()) {
        return Optional.of(holder);
      }
    }
    throw new IpamException(IpamException.Kind.CONTENTION, "the block of " + ip + " kept changing; try again");
  }

  /** The block holding {@code ip}: the one of its pool's block size that contains it. */
  private Optional<KeyValue> findBlock(IpAddress ip, Deadline deadline) {
    for (KeyValue kv : store.list(Keys.POOLS, deadline).kvs()) {
      Pool p = Codec.decodePool(kv);
      if (p.cidr().contains(ip)) {
        return store.get(Keys.block(new IpPrefix(ip, p.blockSize()).network()), deadline);
      }
    }
    return Optional.empty();
  }
}
