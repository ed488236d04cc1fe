package io.calyx.ipam;

import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Compare;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.core.store.TxnResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * One attempt at committing a batch of requests: plans every request against a working copy of the host's
 * blocks (requests that can be answered without a write, or that are invalid, are completed at once), then
 * yields the single transaction that makes the plan true.
 */
final class Batch {
  /** {@code IpFamily.values()} once: each call copies the array, and every allocation asked. */
  private static final IpFamily[] FAMILIES = IpFamily.values();

  private final BlockCache cache;
  private final PoolCache pools;
  private final BlockClaimer claimer;
  private final String host;
  private final Instant now;
  private final Deadline deadline;
  private final Datastore store;
  /** Blocks this batch changes, in their new state. */
  private Map<IpPrefix, Block> working = new LinkedHashMap<>();
  private final List<Planned> planned = new ArrayList<>();
  /**
   * The working blocks each handle got an address in during this batch (a superset after a rolled-back
   * request): the idempotency check looks there instead of scanning every allocation of every working block.
   */
  private final Map<HandleId, java.util.Set<IpPrefix>> assignedHere = new java.util.HashMap<>();

  /** A request with what it will get once the transaction succeeds. */
  private record Planned(HostAllocator.Request request, Object value, Optional<HandleRecord> newHandle, Optional<HandleId> deletedHandle) {}

  Batch(BlockCache cache, PoolCache pools, BlockClaimer claimer, String host, Instant now, Deadline deadline, Datastore store) {
    this.cache = cache;
    this.pools = pools;
    this.claimer = claimer;
    this.host = host;
    this.now = now;
    this.deadline = deadline;
    this.store = store;
  }

  /** What became of a request in this batch. */
  enum Outcome {
    /** Answered or failed already; nothing left to do. */
    COMPLETED,
    /** Part of this batch's transaction; answered when it commits. */
    PLANNED,
    /** Touches a handle this batch already changes: goes into the next batch. */
    DEFERRED
  }

  /** Plans {@code r}. */
  Outcome add(HostAllocator.Request r) {
    Map<IpPrefix, Block> before = new LinkedHashMap<>(working);
    try {
      return switch (r) {
        case HostAllocator.AllocateOp op -> planAllocate(op);
        case HostAllocator.ReleaseOp op -> planRelease(op);
      };
    } catch (IpamException | CorruptDocumentException e) {
      working = before;
      r.future().completeExceptionally(e);
      return Outcome.COMPLETED;
    }
  }

  private Optional<Planned> plannedDeletion(HandleId handle) {
    // A loop: this runs for every request, mostly over an empty list (a stream costs several objects).
    for (Planned p : planned) {
      if (p.deletedHandle().isPresent() && p.deletedHandle().get().equals(handle)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private Block block(IpPrefix cidr) {
    Block w = working.get(cidr);
    return w != null ? w : cache.get(cidr).map(BlockCache.Cached::block).orElse(null);
  }

  /**
   * This host's blocks that may have a free address, the working copy where this batch changed one (claims
   * are cached at once): those with one in the cache, in its order, then any this batch freed an address in.
   */
  private List<Block> ownBlocksWithFree() {
    List<Block> out = new ArrayList<>();
    for (BlockCache.Cached c : cache.viewWithFree()) {
      out.add(working.getOrDefault(c.block().cidr(), c.block()));
    }
    for (Block w : working.values()) {
      if (w.free() > 0 && !cache.hasFree(w.cidr())) {
        out.add(w);
      }
    }
    return out;
  }

  /** The handle's addresses in this host's blocks (working copy first). */
  private List<HandleRecord.AssignedIp> held(HandleId handle) {
    java.util.Set<IpPrefix> cached = cache.blocksHolding(handle);
    java.util.Set<IpPrefix> here = assignedHere.getOrDefault(handle, java.util.Set.of());
    if (cached.isEmpty() && here.isEmpty()) {
      return List.of(); // every new allocation asks: no sorted set for the common answer
    }
    java.util.Set<IpPrefix> candidates = new java.util.TreeSet<>(java.util.Comparator.comparing(IpPrefix::address));
    candidates.addAll(cached);
    candidates.addAll(here);
    List<HandleRecord.AssignedIp> out = new ArrayList<>();
    for (IpPrefix cidr : candidates) {
      Block b = block(cidr);
      for (int ordinal : b.ordinalsOf(handle)) {
        out.add(new HandleRecord.AssignedIp(b.address(ordinal), b.cidr()));
      }
    }
    return out;
  }

  private Outcome planAllocate(HostAllocator.AllocateOp op) {
    AllocateRequest req = op.request();
    if (plannedDeletion(req.handle()).isPresent()) {
      return Outcome.DEFERRED;
    }
    List<HandleRecord.AssignedIp> existing = held(req.handle());
    if (!existing.isEmpty()) {
      HandleRecord record = recordFromBlocks(req.handle(), existing);
      boolean pendingInThisBatch = existing.stream().anyMatch(ip -> working.containsKey(ip.block()));
      if (!pendingInThisBatch) {
        op.future().complete(record);
        return Outcome.COMPLETED;
      }
      planned.add(new Planned(op, record, Optional.empty(), Optional.empty()));
      return Outcome.PLANNED;
    }
    Allocation allocation = new Allocation(req.handle());
    List<HandleRecord.AssignedIp> ips = new ArrayList<>();
    List<IpFamily> covered = new ArrayList<>();
    for (IpAddress ip : req.requested()) {
      ips.add(assignRequested(ip, req, allocation));
      covered.add(ip.family());
    }
    for (IpFamily family : FAMILIES) {
      if (req.families().contains(family) && !covered.contains(family)) {
        ips.add(assignAny(family, req, allocation));
      }
    }
    HandleRecord record = new HandleRecord(req.handle(), host, req.origin(), now, ips);
    planned.add(new Planned(op, record, Optional.of(record), Optional.empty()));
    return Outcome.PLANNED;
  }

  /**
   * The record of a handle the blocks say holds {@code ips}: the one this host wrote (cached), else the
   * stored one (after a restart), else one rebuilt from the blocks.
   */
  private HandleRecord recordFromBlocks(HandleId handle, List<HandleRecord.AssignedIp> ips) {
    Optional<HandleRecord> known = cache.record(handle).filter(r -> sameIps(r, ips));
    if (known.isPresent()) {
      return known.get();
    }
    Optional<HandleRecord> stored = store.get(Keys.handle(handle), deadline).map(Codec::decodeHandle).filter(r -> sameIps(r, ips));
    stored.ifPresent(cache::putRecord);
    return stored.orElseGet(() -> new HandleRecord(handle, host, Origin.CALYX, now, ips));
  }

  private static boolean sameIps(HandleRecord r, List<HandleRecord.AssignedIp> ips) {
    return new java.util.HashSet<>(r.ips()).equals(new java.util.HashSet<>(ips));
  }

  /**
   * The calyx plugin uses every free address as a /32 (/128). calyx-ipam results are addresses in the
   * block's subnet, so it never hands out the block's network or broadcast address.
   */
  private static IntPredicate allowed(Origin origin, Block b) {
    return origin == Origin.CALYX ? o -> true : o -> o != 0 && o != b.size() - 1;
  }

  private HandleRecord.AssignedIp assignRequested(IpAddress ip, AllocateRequest req, Allocation allocation) {
    Pool pool = pools.all().stream().filter(p -> p.cidr().contains(ip)).findFirst()
        .orElseThrow(() -> unavailable("address " + ip + " is in no pool"));
    if (!req.pools().isEmpty() && !req.pools().contains(pool.cidr())) {
      throw unavailable("address " + ip + " is in pool " + pool.cidr() + ", not in the configured pools " + req.pools());
    }
    if (pool.disabled()) {
      throw unavailable("address " + ip + " is in pool " + pool.cidr() + ", which is disabled");
    }
    IpPrefix cidr = new IpPrefix(ip, pool.blockSize()).network();
    Block b = block(cidr);
    if (b == null) {
      BlockCache.Cached claimed = claimer.claim(pool, Optional.of(ip), deadline);
      cache.put(claimed.block(), claimed.modRevision());
      b = claimed.block();
    }
    int ordinal = b.ordinalOf(ip).orElseThrow();
    if (b.reserved().contains(ordinal) || !allowed(req.origin(), b).test(ordinal)) {
      throw unavailable("address " + ip + " is reserved in block " + cidr + " (network, gateway or broadcast address)");
    }
    Allocation holder = b.holder(ordinal);
    if (holder != null) {
      throw unavailable("address " + ip + " is in use by " + holder.handle());
    }
    working.put(cidr, b.assign(ordinal, allocation));
    assignedHere.computeIfAbsent(allocation.handle(), h -> new java.util.HashSet<>()).add(cidr);
    return new HandleRecord.AssignedIp(ip, cidr);
  }

  private HandleRecord.AssignedIp assignAny(IpFamily family, AllocateRequest req, Allocation allocation) {
    // Loops, not streams: this runs for every allocation, on the committer's critical path.
    List<Pool> eligible = new ArrayList<>(2);
    for (Pool p : pools.all()) {
      if (p.cidr().family() == family && !p.disabled() && (req.pools().isEmpty() || req.pools().contains(p.cidr()))) {
        eligible.add(p);
      }
    }
    if (eligible.isEmpty()) {
      String which = family == IpFamily.V4 ? "IPv4" : "IPv6";
      throw new IpamException(IpamException.Kind.NO_POOL, req.pools().isEmpty()
          ? "no enabled " + which + " pool: add one with 'calyxctl pool add CIDR'"
          : "none of the configured pools " + req.pools() + " is an enabled " + which + " pool (calyxctl pool list)");
    }
    for (Block b : ownBlocksWithFree()) {
      // A block this batch has just filled is still among them (the cache has the version before the batch).
      if (b.free() == 0 || b.cidr().family() != family || !inAny(eligible, b.cidr())) {
        continue;
      }
      Optional<Block.Assigned> a = b.assignNext(allocation, allowed(req.origin(), b));
      if (a.isPresent()) {
        working.put(b.cidr(), a.get().block());
        assignedHere.computeIfAbsent(allocation.handle(), h -> new java.util.HashSet<>()).add(b.cidr());
        return new HandleRecord.AssignedIp(b.address(a.get().ordinal()), b.cidr());
      }
    }
    IpamException last = null;
    for (Pool pool : eligible) {
      try {
        BlockCache.Cached claimed = claimer.claim(pool, Optional.empty(), deadline);
        cache.put(claimed.block(), claimed.modRevision());
        Block b = claimed.block();
        Block.Assigned a = b.assignNext(allocation, allowed(req.origin(), b)).orElseThrow();
        working.put(b.cidr(), a.block());
        assignedHere.computeIfAbsent(allocation.handle(), h -> new java.util.HashSet<>()).add(b.cidr());
        return new HandleRecord.AssignedIp(b.address(a.ordinal()), b.cidr());
      } catch (IpamException e) {
        last = e;
      }
    }
    throw eligible.size() == 1 ? last : new IpamException(IpamException.Kind.POOL_EXHAUSTED,
        "all eligible pools are exhausted: " + eligible.stream().map(p -> p.cidr().toString()).toList());
  }

  private static boolean inAny(List<Pool> pools, IpPrefix block) {
    for (Pool p : pools) {
      if (p.cidr().contains(block.address())) {
        return true;
      }
    }
    return false;
  }

  private static IpamException unavailable(String message) {
    return new IpamException(IpamException.Kind.ADDRESS_UNAVAILABLE, message);
  }

  private Outcome planRelease(HostAllocator.ReleaseOp op) {
    Optional<Planned> sameHandle = plannedDeletion(op.handle());
    if (sameHandle.isPresent()) {
      planned.add(new Planned(op, sameHandle.get().value(), Optional.empty(), Optional.empty()));
      return Outcome.PLANNED;
    }
    if (planned.stream().anyMatch(p -> p.newHandle().filter(h -> h.handle().equals(op.handle())).isPresent())) {
      return Outcome.DEFERRED;
    }
    List<HandleRecord.AssignedIp> held = held(op.handle());
    if (held.isEmpty()) {
      Optional<HandleRecord> record = store.get(Keys.handle(op.handle()), deadline).map(Codec::decodeHandle);
      if (record.isPresent()) {
        releaseForeign(record.get());
      }
      op.future().complete(record);
      return Outcome.COMPLETED;
    }
    HandleRecord record = recordFromBlocks(op.handle(), held);
    for (HandleRecord.AssignedIp ip : held) {
      Block b = block(ip.block());
      working.put(ip.block(), b.release(b.ordinalsOf(op.handle())));
    }
    planned.add(new Planned(op, Optional.of(record), Optional.empty(), Optional.of(op.handle())));
    return Outcome.PLANNED;
  }

  /**
   * Releases a handle whose addresses are in blocks this host does not own (an allocation made elsewhere,
   * or a cache that lost track after a failed write): compare-and-swap on each block, then the handle.
   */
  private void releaseForeign(HandleRecord record) {
    for (HandleRecord.AssignedIp ip : record.ips()) {
      for (int attempt = 0; attempt < HostAllocator.MAX_ATTEMPTS; attempt++) {
        Optional<KeyValue> kv = store.get(Keys.block(ip.block()), deadline);
        if (kv.isEmpty()) {
          break;
        }
        Block b = Codec.decodeBlock(kv.get());
        List<Integer> ordinals = b.ordinalsOf(record.handle());
        if (ordinals.isEmpty()) {
          break;
        }
        Block released = b.release(ordinals);
        TxnResult r = store.txn(new Txn(List.of(Compare.modRevision(kv.get().key(), kv.get().modRevision())),
            List.of(Op.put(kv.get().key(), Codec.encode(released)))), deadline);
        if (r.succeeded()) {
          if (b.owner().equals(host)) {
            cache.put(released, r.revision());
          }
          break;
        }
      }
    }
    store.txn(new Txn(List.of(), List.of(Op.delete(Keys.handle(record.handle())))), deadline);
  }

  /** The blocks this attempt changes. */
  java.util.Set<IpPrefix> changedBlocks() {
    return working.keySet();
  }

  boolean hasWrites() {
    return !working.isEmpty();
  }

  // toTxn, announce and commitTo run once per transaction: ifs, not Optional.ifPresent with a capturing
  // lambda (C1-compiled, as the agent runs, each capture is a method-handle call and an object).
  Txn toTxn() {
    List<Compare> compares = new ArrayList<>();
    List<Op> writes = new ArrayList<>();
    for (Block b : working.values()) {
      BlockCache.Cached cached = cache.get(b.cidr())
          .orElseThrow(() -> new IllegalStateException("block " + b.cidr() + " changed but is not cached"));
      compares.add(Compare.modRevision(b.key(), cached.modRevision()));
      writes.add(Op.put(b.key(), Codec.encode(b)));
    }
    for (Planned p : planned) {
      if (p.newHandle().isPresent()) {
        HandleRecord h = p.newHandle().get();
        String key = Keys.handle(h.handle());
        compares.add(Compare.absent(key));
        writes.add(Op.put(key, Codec.encode(h)));
        writes.addAll(companion(p).alongside(h));
      }
      if (p.deletedHandle().isPresent()) {
        writes.add(Op.delete(Keys.handle(p.deletedHandle().get())));
        Optional<HandleRecord> released = releasedRecord(p);
        if (released.isPresent()) {
          writes.addAll(companion(p).alongside(released.get()));
        }
      }
    }
    return new Txn(compares, writes);
  }

  /** Tells the companions of new allocations what this attempt is about to write. */
  void announce() {
    for (Planned p : planned) {
      if (p.newHandle().isPresent()) {
        companion(p).planned(p.newHandle().get());
      }
    }
  }

  private static AllocationCompanion companion(Planned p) {
    return switch (p.request()) {
      case HostAllocator.AllocateOp op -> op.companion();
      case HostAllocator.ReleaseOp op -> op.companion();
    };
  }

  /** The record a planned release deletes. */
  @SuppressWarnings("unchecked")
  private static Optional<HandleRecord> releasedRecord(Planned p) {
    return p.value() instanceof Optional<?> o ? (Optional<HandleRecord>) o : Optional.empty();
  }

  void commitTo(BlockCache target, long revision) {
    for (Block b : working.values()) {
      target.put(b, revision);
    }
    for (Planned p : planned) {
      if (p.newHandle().isPresent()) {
        target.putRecord(p.newHandle().get());
        companion(p).written();
      }
      if (p.deletedHandle().isPresent()) {
        target.removeRecord(p.deletedHandle().get());
        if (releasedRecord(p).isPresent()) {
          companion(p).written();
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  void completeAll() {
    for (Planned p : planned) {
      ((java.util.concurrent.CompletableFuture<Object>) p.request().future()).complete(p.value());
    }
  }

  /**
   * After failed compares: refreshes the blocks that changed, answers the allocations whose handle already
   * exists with that record, and returns the requests to try again.
   */
  List<HostAllocator.Request> afterConflict(TxnResult result, BlockCache target) {
    result.current().forEach((key, kv) -> {
      if (key.startsWith(Keys.BLOCKS)) {
        if (kv.isPresent()) {
          target.refresh(kv.get());
        } else {
          target.invalidate();
        }
      }
    });
    List<HostAllocator.Request> retry = new ArrayList<>();
    for (Planned p : planned) {
      Optional<KeyValue> existing = p.newHandle()
          .flatMap(h -> result.current().getOrDefault(Keys.handle(h.handle()), Optional.empty()));
      if (existing.isPresent()) {
        ((HostAllocator.AllocateOp) p.request()).future().complete(Codec.decodeHandle(existing.get()));
      } else {
        retry.add(p.request());
      }
    }
    return retry;
  }
}
