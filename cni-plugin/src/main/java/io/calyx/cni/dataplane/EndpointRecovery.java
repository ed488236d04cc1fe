package io.calyx.cni.dataplane;

import io.calyx.cni.ipam.AddressManager;
import io.calyx.core.Deadline;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.endpoint.EndpointCodec;
import io.calyx.core.store.DatastoreUnavailableException;
import io.calyx.core.store.KeyValue;
import io.calyx.netns.NativeException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings this host's kernel state and its endpoint records back in line, after an agent restart, a host
 * reboot (containers gone, records left) or anything that happened while no agent ran:
 *
 * <ul>
 *   <li>a record whose host veth is gone: its container and network namespace are gone, so the record is
 *       deleted and its addresses released (journalled when etcd is down);
 *   <li>a calyx veth without a record: left by an ADD that never finished or a record deleted by hand; the
 *       veth (and its routes) is removed;
 *   <li>a record whose veth is there: its host routes are put back (replace; idempotent).
 * </ul>
 *
 * Each fix holds the same per-veth lock as ADD and DEL and re-checks under it, so a request in flight is
 * never undone: a veth an ADD just created either has its record by then, or its ADD still holds the lock.
 */
public final class EndpointRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(EndpointRecovery.class);
  private static final Duration LOCK_WAIT = Duration.ofSeconds(30);

  private final AddressManager addresses;
  private final Dataplane dataplane;
  private final Endpoints endpoints;
  private final ReleaseJournal journal;
  private final EndpointPolicy policy;
  private final KeyedLocks locks;
  private final Clock clock;

  /** What one pass changed. */
  public record Report(int released, int vethsRemoved, int routesRestored) {
    public boolean changedAnything() {
      return released + vethsRemoved > 0;
    }
  }

  EndpointRecovery(AddressManager addresses, Dataplane dataplane, Endpoints endpoints, ReleaseJournal journal, EndpointPolicy policy,
      KeyedLocks locks, Clock clock) {
    this.addresses = addresses;
    this.policy = policy;
    this.dataplane = dataplane;
    this.endpoints = endpoints;
    this.journal = journal;
    this.locks = locks;
    this.clock = clock;
  }

  /**
   * One pass. The kernel is read before the records, so a veth seen without a record was created before
   * the records were listed.
   *
   * @throws DatastoreUnavailableException when the records cannot be listed (nothing is changed then)
   */
  public Report run() {
    Set<String> veths = dataplane.hostVeths();
    List<Endpoint> records = endpoints.list(deadline());
    Map<String, Endpoint> byVeth = records.stream().collect(Collectors.toMap(Endpoint::hostVeth, Function.identity(), (a, b) -> a));
    int released = 0;
    int routes = 0;
    for (Endpoint e : records) {
      if (veths.contains(e.hostVeth())) {
        routes += locked(e.hostVeth(), () -> dataplane.restoreHostRoutes(e.hostVeth(), e.ips()) ? e.ips().size() : 0);
      } else if (locked(e.hostVeth(), () -> releaseVanished(e))) {
        released++;
      }
    }
    int removed = 0;
    for (String veth : veths) {
      if (!byVeth.containsKey(veth) && locked(veth, () -> removeOrphan(veth))) {
        removed++;
      }
    }
    Report report = new Report(released, removed, routes);
    if (report.changedAnything()) {
      LOG.info("recovery: released {} endpoints whose containers are gone, removed {} veths without an endpoint", released, removed);
    }
    return report;
  }

  /** Under the veth's lock: the record is still there, unchanged, and the veth still missing. */
  private boolean releaseVanished(Endpoint seen) {
    Deadline deadline = deadline();
    if (dataplane.hasHostVeth(seen.hostVeth())) {
      return false; // re-created by an ADD since the listing
    }
    Optional<KeyValue> current = endpoints.getRaw(seen.handle(), deadline);
    if (current.isEmpty() || !EndpointCodec.decode(current.get().key(), current.get().value()).equals(seen)) {
      return false;
    }
    if (!endpoints.deleteIfUnchanged(seen.handle(), current.get().modRevision(), deadline)) {
      return false;
    }
    policy.remove(seen.handle());
    try {
      addresses.release(seen.handle(), deadline);
    } catch (RuntimeException ex) {
      journal.record(seen.handle());
      LOG.warn("recovery: releasing {} failed ({}); journalled", seen.handle(), ex.getMessage());
    }
    LOG.info("recovery: {} ({}) had no veth {} any more: record deleted, addresses released", seen.handle(), seen.ips(), seen.hostVeth());
    return true;
  }

  /** Under the veth's lock: still no record names it (read again: an ADD may have finished meanwhile). */
  private boolean removeOrphan(String veth) {
    boolean recorded = endpoints.list(deadline()).stream().anyMatch(e -> e.hostVeth().equals(veth));
    if (recorded) {
      return false;
    }
    try {
      boolean removed = dataplane.tearDown(veth);
      if (removed) {
        LOG.info("recovery: removed veth {}: no endpoint record names it", veth);
      }
      return removed;
    } catch (NativeException e) {
      LOG.warn("recovery: cannot remove veth {}: {}", veth, e.getMessage());
      return false;
    }
  }

  private <T> T locked(String veth, java.util.function.Supplier<T> body) {
    return locks.with(veth, LOCK_WAIT.toMillis(), body);
  }

  private Deadline deadline() {
    return Deadline.in(Duration.ofSeconds(10), clock);
  }
}
