package io.calyx.ipam;

import io.calyx.core.Deadline;
import io.calyx.core.NetworkName;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * A host's IPAM: its allocator and the pool cache it uses, started on first use so that an agent starts
 * (and answers) while etcd is still unreachable, and begins allocating as soon as it is back.
 */
public final class IpamNode implements AutoCloseable {
  private final Datastore store;
  private final String host;
  private final Clock clock;
  private PoolCache pools;
  private HostAllocator allocator;

  public IpamNode(Datastore store, String host, Clock clock) {
    this.store = store;
    this.host = host;
    this.clock = clock;
  }

  public String host() {
    return host;
  }

  public Datastore store() {
    return store;
  }

  /** The allocator, starting it (one pool listing) if this is the first use. */
  public synchronized HostAllocator allocator(Deadline deadline) {
    if (allocator == null) {
      PoolCache p = pools(deadline);
      allocator = new HostAllocator(store, host, p, clock);
    }
    return allocator;
  }

  /** The watched pools, starting the watch on first use. */
  public synchronized PoolCache pools(Deadline deadline) {
    if (pools == null) {
      pools = PoolCache.start(store, deadline);
    }
    return pools;
  }

  /** The handle records of {@code network} whose allocation this host made. */
  public List<HandleRecord> handles(NetworkName network, Deadline deadline) {
    List<HandleRecord> out = new ArrayList<>();
    for (KeyValue kv : store.list(Keys.HANDLES + network.value() + ":", deadline).kvs()) {
      HandleRecord h = Codec.decodeHandle(kv);
      if (h.host().equals(host)) {
        out.add(h);
      }
    }
    return out;
  }

  @Override
  public synchronized void close() {
    if (allocator != null) {
      allocator.close();
    }
    if (pools != null) {
      pools.close();
    }
  }
}
