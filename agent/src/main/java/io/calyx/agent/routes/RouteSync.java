package io.calyx.agent.routes;

import io.calyx.core.Deadline;
import io.calyx.core.node.Node;
import io.calyx.core.node.NodeCodec;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Listing;
import io.calyx.core.store.WatchEvent;
import io.calyx.ipam.Affinity;
import io.calyx.ipam.Codec;
import io.calyx.ipam.Keys;
import io.calyx.netns.NativeException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the block routes of this host in line with block ownership: {@code <remote block> via <its host>}
 * for every block another node owns, a blackhole for each block of this node.
 *
 * <p>It lists affinities and nodes, watches both, and on each change recomputes what the table should hold
 * and applies only the difference to what it applied before. A full pass (re-list, re-read the kernel
 * table, repair drift) runs at start and every {@code resyncEvery}. All state lives on one thread, so watch
 * events, full passes and kernel writes never interleave. Routes are never removed because etcd is
 * unreachable or a heartbeat is late: only a change of ownership or a node's removal moves them.
 */
public final class RouteSync implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RouteSync.class);
  private static final Duration RETRY = Duration.ofSeconds(2);

  private final Datastore store;
  private final String self;
  private final RouteTable table;
  private final Duration resyncEvery;
  private final Clock clock;
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("calyx-routes").daemon().factory());

  // Confined to the loop thread.
  private final Map<String, Affinity> affinities = new HashMap<>();
  private final Map<String, Node> nodes = new HashMap<>();
  private long affinitiesListed;
  private long nodesListed;
  private Set<BlockRoute> applied = new HashSet<>();
  private final Set<BlockRoute> failing = new HashSet<>();
  private volatile AutoCloseable affinityWatch;
  private volatile AutoCloseable nodeWatch;
  private volatile boolean synced;

  public RouteSync(Datastore store, String self, RouteTable table, Duration resyncEvery, Clock clock) {
    this.store = store;
    this.self = self;
    this.table = table;
    this.resyncEvery = resyncEvery;
    this.clock = clock;
  }

  /** Starts the first full pass now (retried until etcd answers) and then one every {@code resyncEvery}. */
  public RouteSync start() {
    loop.execute(this::firstPass);
    return this;
  }

  /** Whether a full pass has completed (the table reflects the datastore). */
  public boolean synced() {
    return synced;
  }

  /** Runs a full pass now and waits for it (tests and {@code calyxctl}-triggered repairs). */
  public void resyncNow() {
    try {
      loop.submit(this::fullPass).get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("route resync did not finish", e);
    }
  }

  /** Like {@link #resyncNow()}, but a failure (etcd unreachable) is only logged, as in a periodic pass. */
  public void resyncNowQuietly() {
    try {
      loop.submit(this::periodicPass).get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | InterruptedException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("route resync did not finish", e);
    }
  }

  private void firstPass() {
    try {
      fullPass();
      loop.scheduleWithFixedDelay(this::periodicPass, resyncEvery.toMillis(), resyncEvery.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      LOG.warn("routes: cannot read block ownership yet ({}); existing routes stay, retrying in {} s", e.getMessage(), RETRY.toSeconds());
      loop.schedule(this::firstPass, RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void periodicPass() {
    try {
      fullPass();
    } catch (RuntimeException e) {
      LOG.warn("routes: periodic resync failed ({}); existing routes stay", e.getMessage());
    }
  }

  /** Re-lists ownership and nodes, re-reads the kernel table and repairs any difference. */
  private void fullPass() {
    Deadline deadline = Deadline.in(Duration.ofSeconds(10), clock);
    Listing a = store.list(Keys.AFFINITIES, deadline);
    Listing n = store.list(Node.ROOT, deadline);
    affinities.clear();
    a.kvs().forEach(this::putAffinity);
    affinitiesListed = a.revision();
    nodes.clear();
    n.kvs().forEach(this::putNode);
    nodesListed = n.revision();
    if (affinityWatch == null) {
      affinityWatch = store.watch(Keys.AFFINITIES, a.revision() + 1, e -> loop.execute(() -> onAffinity(e)));
      nodeWatch = store.watch(Node.ROOT, n.revision() + 1, e -> loop.execute(() -> onNode(e)));
    }
    Set<BlockRoute> actual = table.blockRoutes();
    applied = converge(desired(), actual);
    if (!synced) {
      LOG.info("routes: in line with {} blocks of {} nodes ({} routes)", affinities.size(), nodes.size(), applied.size());
    }
    synced = true;
  }

  private void onAffinity(WatchEvent e) {
    if (e.kv().modRevision() <= affinitiesListed) {
      return; // already in the listing the last full pass read
    }
    if (e.type() == WatchEvent.Type.DELETE) {
      affinities.remove(e.kv().key());
    } else {
      putAffinity(e.kv());
    }
    incrementalPass();
  }

  private void onNode(WatchEvent e) {
    if (e.kv().modRevision() <= nodesListed) {
      return;
    }
    String name = e.kv().key().substring(Node.ROOT.length());
    if (e.type() == WatchEvent.Type.DELETE) {
      nodes.remove(name);
    } else {
      Node before = nodes.get(name);
      putNode(e.kv());
      Node after = nodes.get(name);
      if (before != null && after != null && before.ipv4().equals(after.ipv4()) && before.ipv6().equals(after.ipv6())) {
        return; // a heartbeat: nothing to route differently
      }
    }
    incrementalPass();
  }

  private void incrementalPass() {
    if (!synced) {
      return; // the first full pass will do it
    }
    try {
      applied = converge(desired(), applied);
    } catch (RuntimeException e) {
      LOG.warn("routes: applying a change failed ({}); the next full pass repairs it", e.getMessage());
    }
  }

  private Set<BlockRoute> desired() {
    return DesiredRoutes.compute(self,
        affinities.values().stream().map(af -> new DesiredRoutes.Ownership(af.host(), af.block())).toList(), nodes);
  }

  /**
   * Makes the table hold {@code desired}, given that it holds {@code current}: installs first (a route whose
   * next hop changed is replaced in place, no gap), then removes what is no longer wanted. Returns what the
   * table holds afterwards, as far as calyx knows.
   */
  private Set<BlockRoute> converge(Set<BlockRoute> desired, Set<BlockRoute> current) {
    Set<BlockRoute> now = new HashSet<>(current);
    for (BlockRoute r : desired) {
      if (current.contains(r)) {
        continue;
      }
      try {
        table.install(r);
        now.add(r);
        failing.remove(r);
        LOG.info("routes: added {}{}", r, owner(r));
      } catch (NativeException e) {
        if (failing.add(r)) {
          LOG.warn("routes: cannot add {}{}: {}", r, owner(r), e.getMessage());
        }
      }
    }
    for (BlockRoute r : current) {
      if (desired.contains(r)) {
        continue;
      }
      try {
        table.remove(r);
        now.remove(r);
        LOG.info("routes: removed {}", r);
      } catch (NativeException e) {
        LOG.warn("routes: cannot remove {}: {}", r, e.getMessage());
      }
    }
    failing.retainAll(desired);
    return now;
  }

  private String owner(BlockRoute r) {
    return affinities.values().stream().filter(a -> a.block().equals(r.block())).map(a -> " (node " + a.host() + ")").findFirst().orElse("");
  }

  private void putAffinity(KeyValue kv) {
    try {
      affinities.put(kv.key(), Codec.decodeAffinity(kv));
    } catch (RuntimeException e) {
      LOG.warn("routes: ignoring affinity: {}", e.getMessage());
      affinities.remove(kv.key());
    }
  }

  private void putNode(KeyValue kv) {
    try {
      Node node = NodeCodec.decode(kv.key(), kv.value());
      nodes.put(node.name(), node);
    } catch (RuntimeException e) {
      LOG.warn("routes: ignoring node record: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    loop.shutdownNow();
    for (AutoCloseable w : new AutoCloseable[] {affinityWatch, nodeWatch}) {
      if (w != null) {
        try {
          w.close();
        } catch (Exception e) {
          LOG.debug("closing a route watch", e);
        }
      }
    }
  }
}
