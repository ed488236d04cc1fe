package io.calyx.ipam;

import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.net.IpAddress;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A read-only snapshot of the IPAM state (pools, their blocks, handle records) for the operator's views:
 * utilisation per pool and per block, and who holds an address.
 *
 * @param pools every pool with the blocks claimed in it
 * @param strayBlocks blocks that lie in no pool (their pool was deleted while they were in use)
 * @param handles every handle record by handle
 */
public record IpamView(List<PoolView> pools, List<Block> strayBlocks, Map<HandleId, HandleRecord> handles) {
  /**
   * One pool and its claimed blocks.
   *
   * @param pool the pool
   * @param blocks its claimed blocks, in address order
   */
  public record PoolView(Pool pool, List<Block> blocks) {
    /** Addresses in the pool. */
    public BigInteger size() {
      return BigInteger.ONE.shiftLeft(pool.cidr().family().bits() - pool.cidr().length());
    }

    public long used() {
      return blocks.stream().mapToLong(Block::used).sum();
    }

    /** Addresses still to be had: the pool minus the used ones and one reserved gateway per block. */
    public BigInteger free() {
      return size().subtract(BigInteger.valueOf(used())).subtract(BigInteger.valueOf(pool.blockCount()));
    }
  }

  /** What an address is. */
  public sealed interface Lookup {
    /** Not inside any pool. */
    record NoPool() implements Lookup {}

    /** In a pool, in no claimed block yet. */
    record Unclaimed(Pool pool) implements Lookup {}

    /** In a block, not allocated (or reserved as its gateway). */
    record Free(Block block, boolean reserved) implements Lookup {}

    /** Allocated. */
    record Held(Block block, Allocation allocation, Optional<HandleRecord> record) implements Lookup {}
  }

  /** Reads pools, blocks and handles (three listings). */
  public static IpamView read(Datastore store, Deadline deadline) {
    List<Pool> pools = store.list(Keys.POOLS, deadline).kvs().stream().map(Codec::decodePool).toList();
    List<Block> blocks = new ArrayList<>();
    for (KeyValue kv : store.list(Keys.BLOCKS, deadline).kvs()) {
      blocks.add(Codec.decodeBlock(kv));
    }
    Map<HandleId, HandleRecord> handles = new HashMap<>();
    for (KeyValue kv : store.list(Keys.HANDLES, deadline).kvs()) {
      HandleRecord h = Codec.decodeHandle(kv);
      handles.put(h.handle(), h);
    }
    List<PoolView> views = new ArrayList<>();
    List<Block> stray = new ArrayList<>(blocks);
    for (Pool p : pools) {
      List<Block> in = blocks.stream().filter(b -> b.cidr().family() == p.cidr().family() && p.cidr().contains(b.cidr().address()))
          .sorted((a, b) -> a.cidr().address().compareTo(b.cidr().address())).toList();
      stray.removeAll(in);
      views.add(new PoolView(p, in));
    }
    return new IpamView(views, stray, handles);
  }

  /** Who holds {@code ip}, or why nobody does. */
  public Lookup lookup(IpAddress ip) {
    for (PoolView pv : pools) {
      if (!pv.pool().cidr().contains(ip)) {
        continue;
      }
      for (Block b : pv.blocks()) {
        Optional<Integer> ordinal = b.ordinalOf(ip);
        if (ordinal.isPresent()) {
          Allocation a = b.holder(ordinal.get());
          if (a == null) {
            return new Lookup.Free(b, b.reserved().contains(ordinal.get()));
          }
          return new Lookup.Held(b, a, Optional.ofNullable(handles.get(a.handle())));
        }
      }
      return new Lookup.Unclaimed(pv.pool());
    }
    return new Lookup.NoPool();
  }
}
