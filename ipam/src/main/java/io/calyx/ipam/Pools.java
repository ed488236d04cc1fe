package io.calyx.ipam;

import io.calyx.core.Deadline;
import io.calyx.core.InvalidValueException;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Compare;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.core.store.TxnResult;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Adds, lists and deletes pools, refusing what would break allocations. */
public final class Pools {
  private final Datastore store;
  private final Clock clock;

  public Pools(Datastore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** Every pool, with the revision it was read at. */
  public List<Pool> list(Deadline deadline) {
    return store.list(Keys.POOLS, deadline).kvs().stream().map(Codec::decodePool).toList();
  }

  /**
   * The most address bits a new pool's blocks may have (4,096 addresses; Calico caps its blocks at /20 and
   * /116 too). Every allocation rewrites its block's whole document, which names every holder (~90 bytes with
   * a 64-hex container id): a full block of 4,096 is ~370 KB, while 65,536 (what {@link Pool} still reads, for
   * pools added before this limit) would pass etcd's default 1.5 MiB request limit at ~16,000 allocations.
   */
  static final int MAX_BLOCK_BITS = 12;

  /**
   * Adds a pool.
   *
   * @throws InvalidValueException when it overlaps an existing pool or its block size does not fit
   */
  public Pool add(IpPrefix cidr, Optional<Integer> blockSize, Deadline deadline) {
    int size = blockSize.orElse(Pool.defaultBlockSize(cidr.family()));
    Pool.requireBlockSize(cidr, size, MAX_BLOCK_BITS, " (blocks of at most " + (1 << MAX_BLOCK_BITS)
        + " addresses keep each block's document well within etcd's request size limit)");
    Pool pool = new Pool(cidr, size, false, clock.instant());
    for (Pool existing : list(deadline)) {
      if (existing.overlaps(cidr)) {
        throw new InvalidValueException("cidr", "pool " + cidr + " overlaps the existing pool " + existing.cidr());
      }
    }
    TxnResult r = store.txn(new Txn(List.of(Compare.absent(Keys.pool(cidr))), List.of(Op.put(Keys.pool(cidr), Codec.encode(pool)))), deadline);
    if (!r.succeeded()) {
      throw new InvalidValueException("cidr", "pool " + cidr + " already exists");
    }
    return pool;
  }

  /** Blocks deleted per transaction: etcd allows 128 operations (and 128 compares) per transaction. */
  static final int BLOCKS_PER_TXN = 40;

  /**
   * Deletes a pool with no live allocation, together with its (empty) blocks and their affinities. The pool
   * goes first (agents stop allocating from it as soon as they see that), then its blocks in chunks, each
   * compared against the revision it was checked empty at.
   *
   * @throws InvalidValueException when the pool does not exist or still has allocations
   */
  public void delete(IpPrefix cidr, Deadline deadline) {
    KeyValue poolKv = store.get(Keys.pool(cidr), deadline)
        .orElseThrow(() -> new InvalidValueException("cidr", "no pool " + cidr + " (calyxctl pool list)"));
    List<KeyValue> blocks = new ArrayList<>();
    int used = 0;
    for (KeyValue kv : store.list(Keys.BLOCKS, deadline).kvs()) {
      Block b = Codec.decodeBlock(kv);
      if (b.cidr().family() == cidr.family() && cidr.contains(b.cidr().address())) {
        used += b.used();
        blocks.add(kv);
      }
    }
    if (used > 0) {
      throw new InvalidValueException("cidr", "pool " + cidr + " still has " + used + " allocated address"
          + (used == 1 ? "" : "es") + "; release them first (calyxctl ipam show --show-blocks)");
    }
    if (!store.txn(new Txn(List.of(Compare.modRevision(poolKv.key(), poolKv.modRevision())), List.of(Op.delete(poolKv.key()))), deadline)
        .succeeded()) {
      throw new InvalidValueException("cidr", "pool " + cidr + " changed while it was being deleted; try again");
    }
    List<String> changed = new ArrayList<>();
    for (int i = 0; i < blocks.size(); i += BLOCKS_PER_TXN) {
      List<KeyValue> chunk = blocks.subList(i, Math.min(blocks.size(), i + BLOCKS_PER_TXN));
      deleteEmptyBlocks(chunk, changed, deadline);
    }
    if (!changed.isEmpty()) {
      throw new InvalidValueException("cidr", "pool " + cidr + " is deleted, but " + changed.size()
          + " of its blocks received an allocation meanwhile and were kept (e.g. " + changed.getFirst() + "); see calyxctl ipam show");
    }
  }

  private void deleteEmptyBlocks(List<KeyValue> chunk, List<String> changed, Deadline deadline) {
    List<Compare> compares = new ArrayList<>();
    List<Op> deletes = new ArrayList<>();
    for (KeyValue kv : chunk) {
      Block b = Codec.decodeBlock(kv);
      compares.add(Compare.modRevision(kv.key(), kv.modRevision()));
      deletes.add(Op.delete(kv.key()));
      deletes.add(Op.delete(Keys.affinity(b.owner(), b.cidr())));
    }
    TxnResult r = store.txn(new Txn(compares, deletes), deadline);
    if (r.succeeded()) {
      return;
    }
    // Some block changed since it was checked: delete the ones still empty one by one, keep the others.
    for (KeyValue kv : chunk) {
      Optional<KeyValue> now = store.get(kv.key(), deadline);
      if (now.isEmpty()) {
        continue;
      }
      Block b = Codec.decodeBlock(now.get());
      if (b.used() > 0 || !store.txn(new Txn(List.of(Compare.modRevision(kv.key(), now.get().modRevision())),
          List.of(Op.delete(kv.key()), Op.delete(Keys.affinity(b.owner(), b.cidr())))), deadline).succeeded()) {
        changed.add(b.cidr().toString());
      }
    }
  }
}
