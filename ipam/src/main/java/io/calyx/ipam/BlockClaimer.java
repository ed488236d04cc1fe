package io.calyx.ipam;

import io.calyx.core.Deadline;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Compare;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.core.store.TxnResult;
import java.math.BigInteger;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Claims a new block for a host (the cold path). The claim is one transaction that creates the block
 * (compare: the block key is absent) together with the host's affinity, so two hosts racing for the same
 * CIDR cannot both win, and there is never an affinity without its block or a block without its owner's
 * affinity. This is what Calico needs two phases (pending, confirmed) for, because its datastore
 * abstraction cannot write two keys atomically.
 *
 * <p>Candidates are walked in a pseudo-random order seeded by the host name, so concurrent claims by
 * different hosts rarely collide and retries on one host try the same blocks.
 */
final class BlockClaimer {
  /** How many candidate CIDRs one claim looks at before declaring the pool exhausted. */
  static final int MAX_CANDIDATES = 4096;
  private static final int MAX_LOST_RACES = 16;

  private final Datastore store;
  private final String host;
  private final Clock clock;

  BlockClaimer(Datastore store, String host, Clock clock) {
    this.store = store;
    this.host = host;
    this.clock = clock;
  }

  /**
   * Claims a free block of {@code pool}, or the block containing {@code wanted} when given.
   *
   * @throws IpamException POOL_EXHAUSTED when no block can be claimed, ADDRESS_UNAVAILABLE when the block of
   *     {@code wanted} belongs to another host
   */
  BlockCache.Cached claim(Pool pool, Optional<IpAddress> wanted, Deadline deadline) {
    if (wanted.isPresent()) {
      IpPrefix cidr = new IpPrefix(wanted.get(), pool.blockSize()).network();
      return tryClaim(cidr, deadline).orElseThrow(() -> ownedElsewhere(cidr, wanted.get(), deadline));
    }
    // Every CIDR some host has an affinity for, from the affinity keys alone (the key names the block; a
    // claim used to read and decode every affinity document). Skipped even when its block is missing: routes
    // follow affinities, and a CIDR with two would be routed to one of the two hosts only. Blocks without
    // an affinity are still guarded by the claim's compare.
    Set<IpPrefix> claimed = new HashSet<>();
    for (String key : store.listKeys(Keys.AFFINITIES, deadline)) {
      Keys.blockOfAffinity(key).ifPresent(claimed::add);
    }
    long count = pool.blockCount();
    long tries = Math.min(count, MAX_CANDIDATES);
    long start = Math.floorMod((long) host.hashCode() * 0x9E3779B1L, count);
    long stride = strideFor(count);
    int lost = 0;
    for (long i = 0; i < tries && lost < MAX_LOST_RACES; i++) {
      IpPrefix candidate = blockAt(pool, Math.floorMod(start + i * stride, count));
      if (claimed.contains(candidate)) {
        continue;
      }
      Optional<BlockCache.Cached> won = tryClaim(candidate, deadline);
      if (won.isPresent()) {
        return won.get();
      }
      lost++;
    }
    throw new IpamException(IpamException.Kind.POOL_EXHAUSTED, "pool " + pool.cidr() + " is exhausted: all "
        + (count > MAX_CANDIDATES ? "examined " : "") + "blocks are claimed and this host's (" + host + ") blocks are full");
  }

  private Optional<BlockCache.Cached> tryClaim(IpPrefix cidr, Deadline deadline) {
    Block block = Block.create(cidr, host, clock.instant());
    Affinity affinity = new Affinity(host, cidr, clock.instant());
    Txn txn = new Txn(
        List.of(Compare.absent(Keys.block(cidr))),
        List.of(Op.put(Keys.block(cidr), Codec.encode(block)), Op.put(Keys.affinity(host, cidr), Codec.encode(affinity))));
    TxnResult r = store.txn(txn, deadline);
    return r.succeeded() ? Optional.of(new BlockCache.Cached(block, r.revision())) : Optional.empty();
  }

  private IpamException ownedElsewhere(IpPrefix cidr, IpAddress wanted, Deadline deadline) {
    String owner;
    try {
      owner = store.get(Keys.block(cidr), deadline).map(kv -> Codec.decodeBlock(kv).owner()).orElse("?");
    } catch (CorruptDocumentException e) {
      owner = "? (" + e.getMessage() + ")";
    }
    return new IpamException(IpamException.Kind.ADDRESS_UNAVAILABLE,
        "address " + wanted + " is in block " + cidr + " of host " + owner + "; a host only allocates from its own blocks");
  }

  /** An odd stride visits every index of a power-of-two range; a large one spreads neighbours apart. */
  private static long strideFor(long count) {
    if (count <= 2) {
      return 1;
    }
    long s = (long) (count * 0.6180339887) | 1L;
    return s % count == 0 ? 1 : s;
  }

  static IpPrefix blockAt(Pool pool, long index) {
    int hostBits = pool.cidr().family().bits() - pool.blockSize();
    BigInteger base = new BigInteger(1, pool.cidr().address().toBytes());
    BigInteger addr = base.add(BigInteger.valueOf(index).shiftLeft(hostBits));
    byte[] raw = addr.toByteArray();
    byte[] out = new byte[pool.cidr().family().bytes()];
    int copy = Math.min(raw.length, out.length);
    System.arraycopy(raw, raw.length - copy, out, out.length - copy, copy);
    return new IpPrefix(IpAddress.ofBytes(out), pool.blockSize());
  }
}
