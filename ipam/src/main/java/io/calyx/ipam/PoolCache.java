package io.calyx.ipam;

import io.calyx.core.Deadline;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.Listing;
import io.calyx.core.store.WatchEvent;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pools, read once and then kept current by a watch, so allocating never reads them and a pool added
 * while the agent runs is used at once.
 */
public final class PoolCache implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PoolCache.class);
  private final Map<String, Pool> pools = new ConcurrentSkipListMap<>();
  /**
   * {@link #pools}' values (in key order, which is CIDR segment order), copied anew on every change: the
   * allocator asks for the pools on every allocation, and sorting them through a stream each time was a
   * tenth of its planning CPU.
   */
  private volatile List<Pool> sorted = List.of();
  private final AutoCloseable watch;

  private PoolCache(Datastore store, Deadline deadline) {
    Listing listing = store.list(Keys.POOLS, deadline);
    listing.kvs().forEach(kv -> put(kv.key(), kv));
    watch = store.watch(Keys.POOLS, listing.revision() + 1, this::apply);
  }

  public static PoolCache start(Datastore store, Deadline deadline) {
    return new PoolCache(store, deadline);
  }

  private void apply(WatchEvent e) {
    if (e.type() == WatchEvent.Type.DELETE) {
      pools.remove(e.kv().key());
      resort();
    } else {
      put(e.kv().key(), e.kv());
    }
  }

  private synchronized void resort() {
    sorted = List.copyOf(pools.values());
  }

  private void put(String key, io.calyx.core.store.KeyValue kv) {
    try {
      pools.put(key, Codec.decodePool(kv));
    } catch (CorruptDocumentException e) {
      LOG.warn("ignoring pool: {}", e.getMessage());
      pools.remove(key);
    }
    resort();
  }

  /** All pools, in CIDR key order. */
  public List<Pool> all() {
    return sorted;
  }

  /** The pool containing {@code block}, if any. */
  public Optional<Pool> poolOf(IpPrefix block) {
    for (Pool p : sorted) {
      if (p.cidr().family() == block.family() && p.cidr().contains(block.address()) && p.cidr().length() <= block.length()) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    try {
      watch.close();
    } catch (Exception e) {
      LOG.debug("closing the pool watch", e);
    }
  }
}
