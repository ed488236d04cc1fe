package io.calyx.ipam;

import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host's blocks as last read or written, with the mod revision each was at: the warm path allocates
 * from here and compares against that revision, so it needs no read. Only the host's allocator touches it.
 */
final class BlockCache {
  private static final Logger LOG = LoggerFactory.getLogger(BlockCache.class);

  /** A block and the revision it was read or written at. */
  record Cached(Block block, long modRevision) {}

  private final String host;
  private final Map<IpPrefix, Cached> blocks = new LinkedHashMap<>();
  /**
   * The cached blocks with a free address, in the order they got one (claim order, unless a block was full
   * for a while): allocation and the claim-ahead check look only here, not at every full block a busy host
   * holds.
   */
  private final Map<IpPrefix, Cached> withFree = new LinkedHashMap<>();
  /** Which cached blocks hold something of a handle: the idempotency check must not scan every allocation. */
  private final Map<HandleId, Set<IpPrefix>> byHandle = new HashMap<>();
  /** The handle records this host wrote, so a retried ADD or a DEL need not read them. */
  private final Map<HandleId, HandleRecord> records = new HashMap<>();
  private boolean loaded;

  BlockCache(String host) {
    this.host = host;
  }

  /** Reads this host's blocks (its affinities, then each block) unless they are already known. */
  void ensureLoaded(Datastore store, Deadline deadline) {
    if (loaded) {
      return;
    }
    clearBlocks();
    for (KeyValue a : store.list(Keys.affinities(host), deadline).kvs()) {
      Affinity affinity;
      try {
        affinity = Codec.decodeAffinity(a);
      } catch (CorruptDocumentException e) {
        LOG.warn("skipping affinity: {}", e.getMessage());
        continue;
      }
      store.get(Keys.block(affinity.block()), deadline).ifPresentOrElse(
          kv -> {
            Block b = Codec.decodeBlock(kv);
            if (b.owner().equals(host)) {
              put(b, kv.modRevision());
            } else {
              LOG.warn("affinity {} names block {} owned by {}: not using it", a.key(), b.cidr(), b.owner());
            }
          },
          () -> LOG.warn("affinity {} has no block: not using it", a.key()));
    }
    loaded = true;
  }

  /** Forgets everything: the next use re-reads (after an ambiguous write, the datastore is the truth). */
  void invalidate() {
    loaded = false;
    clearBlocks();
    records.clear();
  }

  private void clearBlocks() {
    blocks.clear();
    withFree.clear();
    byHandle.clear();
  }

  Optional<HandleRecord> record(HandleId handle) {
    return Optional.ofNullable(records.get(handle));
  }

  void putRecord(HandleRecord record) {
    records.put(record.handle(), record);
  }

  void removeRecord(HandleId handle) {
    records.remove(handle);
  }

  void put(Block block, long modRevision) {
    Cached cached = new Cached(block, modRevision);
    Cached old = blocks.put(block.cidr(), cached);
    if (block.free() > 0) {
      withFree.put(block.cidr(), cached);
    } else {
      withFree.remove(block.cidr());
    }
    // A block written by this host shares its unchanged Allocation objects with the version before it:
    // index only what changed (every commit puts its blocks here; re-indexing all of them cost more than
    // planning the allocation). One walk over the ordinals of both versions finds the changes.
    Block before = old == null ? null : old.block();
    List<HandleId> gone = new ArrayList<>(0);
    for (int ordinal = 0; ordinal < block.size(); ordinal++) {
      Allocation o = before == null ? null : before.holder(ordinal);
      Allocation n = block.holder(ordinal);
      if (o == n) {
        continue;
      }
      if (o != null) {
        gone.add(o.handle());
      }
      if (n != null) {
        byHandle.computeIfAbsent(n.handle(), h -> new HashSet<>()).add(block.cidr());
      }
    }
    if (!gone.isEmpty()) {
      // A handle may hold several ordinals of one block: it leaves the index only when it holds none now.
      for (HandleId h : gone) {
        if (block.ordinalsOf(h).isEmpty()) {
          unindex(h, block.cidr());
        }
      }
    }
  }

  private void unindex(HandleId handle, IpPrefix cidr) {
    Set<IpPrefix> set = byHandle.get(handle);
    if (set != null) {
      set.remove(cidr);
      if (set.isEmpty()) {
        byHandle.remove(handle);
      }
    }
  }

  /** Replaces a block with the datastore's current version (after a failed compare). */
  void refresh(KeyValue kv) {
    Block b = Codec.decodeBlock(kv);
    if (b.owner().equals(host)) {
      put(b, kv.modRevision());
    } else {
      remove(b.cidr());
    }
  }

  void remove(IpPrefix cidr) {
    withFree.remove(cidr);
    Cached old = blocks.remove(cidr);
    if (old != null) {
      for (int ordinal = 0; ordinal < old.block().size(); ordinal++) {
        Allocation a = old.block().holder(ordinal);
        if (a != null) {
          unindex(a.handle(), cidr);
        }
      }
    }
  }

  /** The cached blocks that hold an address of {@code handle}. */
  Set<IpPrefix> blocksHolding(HandleId handle) {
    return byHandle.getOrDefault(handle, Set.of());
  }

  Optional<Cached> get(IpPrefix cidr) {
    return Optional.ofNullable(blocks.get(cidr));
  }

  /** The cached blocks that have a free address (see {@link #withFree}); not to be held across a change of the cache. */
  java.util.Collection<Cached> viewWithFree() {
    return java.util.Collections.unmodifiableCollection(withFree.values());
  }

  /** Whether the cached version of {@code cidr} has a free address. */
  boolean hasFree(IpPrefix cidr) {
    return withFree.containsKey(cidr);
  }
}
