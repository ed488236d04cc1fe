package io.calyx.cni.dataplane;

import io.calyx.cni.config.NetConf;
import io.calyx.cni.ipam.AddressManager;
import io.calyx.cni.service.AddRequest;
import io.calyx.cni.service.CheckRequest;
import io.calyx.cni.service.CniHandler;
import io.calyx.cni.service.DelRequest;
import io.calyx.cni.service.GcRequest;
import io.calyx.cni.spec.CniException;
import io.calyx.cni.spec.Result;
import io.calyx.core.Attachment;
import io.calyx.core.Deadline;
import io.calyx.core.Elapsed;
import io.calyx.core.Futures;
import io.calyx.core.HandleId;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.mesos.IpAddressRequest;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.DatastoreUnavailableException;
import io.calyx.core.store.Op;
import io.calyx.ipam.AllocateRequest;
import io.calyx.ipam.AllocationCompanion;
import io.calyx.ipam.HandleRecord;
import io.calyx.ipam.Origin;
import io.calyx.netns.NativeException;
import java.time.Clock;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calyx plugin: ADD allocates, wires the veth, records the endpoint and answers; any failure undoes
 * what was done. DEL unwires, deletes the record and releases, best effort and idempotent, without the
 * netns if need be; when the datastore is down it journals the release and still succeeds. Requests for
 * one container interface are serialised.
 */
public final class CalyxHandler implements CniHandler, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CalyxHandler.class);

  private final AddressManager addresses;
  private final Dataplane dataplane;
  private final Endpoints endpoints;
  private final ReleaseJournal journal;
  private final EndpointPolicy policy;
  private final Clock clock;
  private final KeyedLocks locks = new KeyedLocks();
  private final VethReaper reaper;

  public CalyxHandler(AddressManager addresses, Dataplane dataplane, Endpoints endpoints, ReleaseJournal journal, EndpointPolicy policy,
      Clock clock) {
    this.addresses = addresses;
    this.policy = policy;
    this.dataplane = dataplane;
    this.endpoints = endpoints;
    this.journal = journal;
    this.clock = clock;
    this.reaper = new VethReaper(dataplane, locks);
  }

  /** Veths of answered DELs still being removed. */
  public int vethsPendingRemoval() {
    return reaper.backlog();
  }

  /**
   * Runs {@code body} holding the lock of the handle's host veth name: requests and the recovery of
   * {@link EndpointRecovery} (which finds orphans by veth name) exclude each other.
   */
  private <T> T locked(HandleId handle, Deadline deadline, java.util.function.Supplier<T> body) {
    try {
      return locks.with(VethNames.hostSide(handle), deadline.remaining().toMillis(), body);
    } catch (KeyedLocks.LockTimeoutException e) {
      throw new CniException(CniException.TRY_AGAIN_LATER, "another request for " + handle + " is still running", "");
    }
  }

  /**
   * Stops the veth reaper. Deletions still waiting are left to the next start's recovery, which removes
   * calyx veths that no endpoint record names.
   */
  @Override
  public void close() {
    reaper.close();
  }

  /** Recovery of this node's endpoints against the kernel, sharing this handler's locks. */
  public EndpointRecovery recovery() {
    return new EndpointRecovery(addresses, dataplane, endpoints, journal, policy, locks, clock);
  }

  @Override
  public Result add(AddRequest r) {
    HandleId handle = HandleId.of(r.conf().name(), r.attachment());
    return locked(handle, r.deadline(), () -> addLocked(r, handle));
  }

  /**
   * ADD's critical path is one etcd transaction long. The host's allocator plans the addresses at once
   * (it alone assigns in this host's blocks) and announces them before committing; the veth is created
   * meanwhile, configured with the planned addresses and its policy applied while the transaction, which
   * also carries the endpoint record, is on its way. The answer waits for all of it. In the rare case that
   * the committed addresses differ from the plan (another writer changed a block in between) the container
   * is wired again with the committed ones.
   */
  private Result addLocked(AddRequest r, HandleId handle) {
    long t0 = System.nanoTime();
    String hostVeth = VethNames.hostSide(handle);
    // A DEL of the same interface may have left its veth to the reaper: this ADD replaces the link itself.
    reaper.cancel(hostVeth);
    String containerMac = VethNames.containerMac(handle);
    java.time.Instant created = clock.instant();
    java.util.function.Function<HandleRecord, Endpoint> endpointOf = rec -> new Endpoint(handle, endpoints.node(), hostVeth, containerMac,
        hostPrefixes(rec), r.spec().groups(), r.spec().labels(), r.netns(), created);
    RecordCompanion companion = new RecordCompanion(rec -> endpoints.putOp(endpointOf.apply(rec)));
    CompletableFuture<HandleRecord> committed = addresses.allocate(new AllocateRequest(handle, Origin.CALYX, families(r.conf()),
        r.conf().ipam().pools(), requested(r), r.deadline()), companion)
        .exceptionallyCompose(err -> committedAfterAll(handle, err, r.deadline()));
    committed.whenComplete((rec, err) -> {
      if (err != null) {
        companion.plan.completeExceptionally(err);
      } else {
        companion.plan.complete(rec);
      }
    });
    // A retried ADD finds its allocation made: then the record is written here, not in the transaction.
    CompletableFuture<Void> record = committed.thenAcceptAsync(rec -> {
      if (!companion.written) {
        endpoints.put(endpointOf.apply(rec), r.deadline());
      }
    }, VIRTUAL);
    // Traffic to or from a calyx veth without policy is dropped, so the container is never open before its
    // policy is in force, and it is reachable once ADD returns.
    CompletableFuture<HandleRecord> protection = companion.plan.thenApplyAsync(rec -> {
      policy.apply(endpointOf.apply(rec), r.deadline());
      return rec;
    }, VIRTUAL);
    Dataplane.Plumbing plumbing = new Dataplane.Plumbing(r.netns(), r.attachment().ifName().value(), hostVeth, Optional.of(containerMac),
        List.of(), r.conf().mtu());
    Dataplane.Wired wired;
    HandleRecord rec;
    long[] marks = new long[4];
    try {
      wired = dataplane.setUp(plumbing, mac -> hostPrefixes(join(companion.plan)));
      marks[0] = System.nanoTime();
      rec = join(committed);
      marks[1] = System.nanoTime();
      HandleRecord applied = join(protection);
      marks[2] = System.nanoTime();
      join(record);
      marks[3] = System.nanoTime();
      HandleRecord planned = join(companion.plan);
      if (!hostPrefixes(planned).equals(hostPrefixes(rec))) {
        LOG.info("ADD {}: the addresses changed from {} to {} while committing; wiring again", handle, planned.ips(), rec.ips());
        dataplane.tearDown(hostVeth);
        wired = dataplane.setUp(new Dataplane.Plumbing(plumbing.netns(), plumbing.ifName(), hostVeth, plumbing.containerMac(),
            hostPrefixes(rec), plumbing.mtu()));
      }
      if (!hostPrefixes(applied).equals(hostPrefixes(rec))) {
        policy.apply(endpointOf.apply(rec), r.deadline());
      }
    } catch (RuntimeException e) {
      protection.handle((ok, err) -> null).join();
      policy.remove(handle);
      rollBack(handle, hostVeth, committed, record, r.deadline());
      if (e instanceof NativeException n) {
        throw new CniException(CniException.INTERNAL, "cannot wire " + r.attachment() + " in " + r.netns() + ": " + n.getMessage(), "");
      }
      throw e instanceof DatastoreUnavailableException d
          ? new CniException(CniException.TRY_AGAIN_LATER, "the calyx datastore (etcd) is unavailable; try again later", d.getMessage())
          : e;
    }
    if (LOG.isDebugEnabled()) {
      LOG.debug("ADD {} ms: wired {} committed {} policy {} recorded {} done {}", handle, Elapsed.ms(marks[0], t0), Elapsed.ms(marks[1], t0), Elapsed.ms(marks[2], t0),
          Elapsed.ms(marks[3], t0), Elapsed.ms(System.nanoTime(), t0));
    }
    return result(r, wired, hostPrefixes(rec));
  }

  /**
   * An allocation that failed as "unavailable" may have committed all the same (the connection broke after
   * the transaction reached etcd). Mesos does not retry an ADD, so rather than fail the container for a
   * blip, the handle is read back once within what is left of the budget: if the allocation is there, it is
   * this ADD's (same network, container and interface), and the ADD goes on with it. A read, never a second
   * write; any other outcome keeps the original error.
   */
  private CompletableFuture<HandleRecord> committedAfterAll(HandleId handle, Throwable err, Deadline deadline) {
    Throwable cause = Futures.unwrap(err);
    boolean unavailable = cause instanceof DatastoreUnavailableException
        || cause instanceof CniException c && c.code() == CniException.TRY_AGAIN_LATER;
    if (!unavailable || deadline.expired()) {
      return CompletableFuture.failedFuture(cause);
    }
    return CompletableFuture.supplyAsync(() -> {
      try {
        Optional<HandleRecord> found = addresses.find(handle, deadline);
        if (found.isPresent()) {
          LOG.info("ADD {}: the allocation committed although its answer was lost ({}); going on with {}", handle,
              cause.getMessage(), found.get().ips());
          return found.get();
        }
      } catch (RuntimeException e) {
        cause.addSuppressed(e);
      }
      throw new java.util.concurrent.CompletionException(cause);
    }, VIRTUAL);
  }

  /**
   * The endpoint record's write (or deletion) in the allocator's transaction: remembers the planned
   * addresses and whether the documents went in.
   */
  private static final class RecordCompanion implements AllocationCompanion {
    final CompletableFuture<HandleRecord> plan = new CompletableFuture<>();
    private final java.util.function.Function<HandleRecord, Op> write;
    volatile boolean written;

    RecordCompanion(java.util.function.Function<HandleRecord, Op> write) {
      this.write = write;
    }

    @Override
    public void planned(HandleRecord record) {
      plan.complete(record);
    }

    @Override
    public List<Op> alongside(HandleRecord record) {
      return List.of(write.apply(record));
    }

    @Override
    public void written() {
      written = true;
    }
  }

  private static List<IpPrefix> hostPrefixes(HandleRecord rec) {
    return rec.ips().stream().map(ip -> IpPrefix.host(ip.ip())).toList();
  }

  /**
   * Undoes a failed ADD: the link, then (once the allocation and the record write are settled) the endpoint
   * record and the allocation.
   */
  private void rollBack(HandleId handle, String hostVeth, CompletableFuture<HandleRecord> allocation, CompletableFuture<Void> record,
      Deadline deadline) {
    try {
      dataplane.tearDown(hostVeth);
    } catch (NativeException e) {
      LOG.warn("rolling back {}: removing {} failed: {}", handle, hostVeth, e.getMessage());
    }
    boolean allocated = allocation.handle((rec, err) -> err == null).join();
    record.handle((ok, err) -> null).join();
    if (allocated) {
      try {
        endpoints.delete(handle, deadline);
      } catch (RuntimeException e) {
        LOG.warn("rolling back {}: the endpoint record stays ({}); recovery removes it", handle, e.getMessage());
      }
      releaseQuietly(handle, deadline);
    }
  }

  private static Set<IpFamily> families(NetConf conf) {
    Set<IpFamily> f = EnumSet.noneOf(IpFamily.class);
    if (conf.ipam().assignIpv4()) {
      f.add(IpFamily.V4);
    }
    if (conf.ipam().assignIpv6()) {
      f.add(IpFamily.V6);
    }
    return f;
  }

  private static List<IpAddress> requested(AddRequest r) {
    Set<IpAddress> out = new LinkedHashSet<>(r.conf().requestedIps());
    r.spec().requestedIps().stream().map(IpAddressRequest::address).flatMap(Optional::stream).forEach(out::add);
    return List.copyOf(out);
  }

  private static Result result(AddRequest r, Dataplane.Wired wired, List<IpPrefix> ips) {
    List<Result.Interface> interfaces = List.of(
        new Result.Interface(wired.hostVeth(), wired.hostMac(), Optional.empty(), r.conf().mtu()),
        new Result.Interface(r.attachment().ifName().value(), wired.containerMac(), Optional.of(r.netns()), r.conf().mtu()));
    IpAddress gw4 = IpAddress.parse("gateway", NetlinkDataplane.GATEWAY_V4);
    IpAddress gw6 = IpAddress.parse("gateway", NetlinkDataplane.GATEWAY_V6);
    List<Result.IpConfig> ipConfigs = ips.stream()
        .map(ip -> new Result.IpConfig(ip, Optional.of(ip.family() == IpFamily.V4 ? gw4 : gw6), OptionalInt.of(1)))
        .toList();
    List<Result.Route> routes = new java.util.ArrayList<>();
    if (ips.stream().anyMatch(ip -> ip.family() == IpFamily.V4)) {
      routes.add(Result.Route.of(IpPrefix.parseNetwork("dst", "0.0.0.0/0"), Optional.of(gw4)));
    }
    if (ips.stream().anyMatch(ip -> ip.family() == IpFamily.V6)) {
      routes.add(Result.Route.of(IpPrefix.parseNetwork("dst", "::/0"), Optional.of(gw6)));
    }
    return new Result(interfaces, ipConfigs, routes, r.conf().dns());
  }

  private void releaseQuietly(HandleId handle, Deadline deadline) {
    try {
      addresses.release(handle, deadline);
    } catch (RuntimeException e) {
      LOG.warn("could not release {} after a failed ADD ({}); journalled", handle, e.getMessage());
      journal.record(handle);
    }
  }

  /**
   * Unwires first (no datastore needed), then removes the record and the allocation; when the datastore is
   * unreachable the release is journalled and DEL still succeeds.
   */
  @Override
  public void del(DelRequest r) {
    HandleId handle = HandleId.of(r.conf().name(), r.attachment());
    locked(handle, r.deadline(), () -> {
      unwire(handle, r.deadline());
      return null;
    });
  }

  /**
   * Releases a leaked allocation the way a DEL without a network namespace would (veth, routes, record,
   * addresses), but only if {@code stillLeaked}, evaluated under the handle's lock, still says so: the
   * reclaimer re-reads the record there, so a request that got in first wins.
   *
   * @return whether it was released
   */
  public boolean reclaim(HandleId handle, java.util.function.BooleanSupplier stillLeaked, Deadline deadline) {
    return locked(handle, deadline, () -> {
      if (!stillLeaked.getAsBoolean()) {
        return false;
      }
      unwire(handle, deadline);
      return true;
    });
  }

  /**
   * DEL's work, under the handle's lock. The container is cut off at once: its policy goes and the host
   * side of its veth is set down, which makes the kernel drop the routes through it. Then its record is
   * deleted and its addresses released in one transaction, and DEL answers; the veth itself, whose
   * unregistering takes the kernel ~20 ms, goes to the {@link VethReaper}. The release thus always follows
   * the removal of the routes, so a released address is never routed into the old veth. While the
   * datastore is unreachable the release is journalled and DEL still succeeds.
   */
  private void unwire(HandleId handle, Deadline deadline) {
    long t0 = System.nanoTime();
    String hostVeth = VethNames.hostSide(handle);
    policy.remove(handle);
    if (cutOff(handle, hostVeth)) {
      reaper.schedule(hostVeth);
    }
    long unwired = System.nanoTime();
    try {
      // One transaction: the release carries the record's deletion (unless there was nothing to write).
      Op delete = endpoints.deleteOp(handle);
      RecordCompanion deletion = new RecordCompanion(rec -> delete);
      addresses.release(handle, deadline, deletion);
      if (!deletion.written) {
        endpoints.delete(handle, deadline);
      }
    } catch (DatastoreUnavailableException | CniException e) {
      if (e instanceof CniException c && c.code() != CniException.TRY_AGAIN_LATER) {
        throw c;
      }
      journal.record(handle);
      LOG.warn("DEL {}: datastore unavailable; release journalled and completed when it returns", handle);
    }
    if (LOG.isDebugEnabled()) {
      LOG.debug("DEL {} ms: unwired {} done {}", handle, Elapsed.ms(unwired, t0), Elapsed.ms(System.nanoTime(), t0));
    }
  }

  /** Sets the veth down; false when there is none, or when that failed and it was removed at once instead. */
  private boolean cutOff(HandleId handle, String hostVeth) {
    try {
      return dataplane.cutOff(hostVeth);
    } catch (NativeException e) {
      LOG.warn("DEL {}: setting {} down failed: {}; removing it now", handle, hostVeth, e.getMessage());
      removeVeth(handle, hostVeth);
      return false;
    }
  }

  private void removeVeth(HandleId handle, String hostVeth) {
    reaper.cancel(hostVeth);
    try {
      dataplane.tearDown(hostVeth);
    } catch (NativeException e) {
      LOG.warn("DEL {}: removing {} failed: {}", handle, hostVeth, e.getMessage());
    }
  }

  private static final java.util.concurrent.Executor VIRTUAL = r -> Thread.ofVirtual().start(r);

  /** Waits for {@code f}, rethrowing its own failure. */
  private static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw e;
    }
  }

  @Override
  public void check(CheckRequest r) {
    HandleId handle = HandleId.of(r.conf().name(), r.attachment());
    Endpoint endpoint;
    try {
      endpoint = endpoints.get(handle, r.deadline())
          .orElseThrow(() -> new CniException(CniException.UNKNOWN_CONTAINER, "no calyx endpoint for " + handle, ""));
    } catch (DatastoreUnavailableException e) {
      throw new CniException(CniException.TRY_AGAIN_LATER, "the calyx datastore (etcd) is unavailable; try again later", e.getMessage());
    }
    HandleRecord record = addresses.find(handle, r.deadline())
        .orElseThrow(() -> new CniException(CniException.UNKNOWN_CONTAINER, "no allocation for " + handle, ""));
    for (Result.IpConfig ip : r.prevResult().ips()) {
      if (record.ips().stream().noneMatch(a -> a.ip().equals(ip.address().address()))) {
        throw new CniException(CniException.UNKNOWN_CONTAINER, "address " + ip.address() + " is not allocated to " + handle, "");
      }
    }
    try {
      dataplane.check(new Dataplane.Plumbing(r.netns(), r.attachment().ifName().value(), endpoint.hostVeth(), endpoint.ips(), r.conf().mtu()));
    } catch (NativeException e) {
      throw new CniException(CniException.INTERNAL, "CHECK " + handle + ": " + e.getMessage(), "");
    }
  }

  @Override
  public void status(NetConf conf, Deadline deadline) {
    addresses.checkReady(conf.ipam().pools(), conf.ipam().assignIpv4(), conf.ipam().assignIpv6(), deadline);
  }

  @Override
  public void gc(GcRequest r) {
    Set<Attachment> valid = Set.copyOf(r.validAttachments());
    List<Endpoint> mine;
    try {
      mine = endpoints.list(r.deadline());
    } catch (DatastoreUnavailableException e) {
      throw new CniException(CniException.TRY_AGAIN_LATER, "the calyx datastore (etcd) is unavailable; try again later", e.getMessage());
    }
    for (Endpoint e : mine) {
      Attachment a = new Attachment(e.handle().containerId(), e.handle().ifName());
      if (e.handle().network().equals(r.conf().name()) && !valid.contains(a)) {
        del(new DelRequest(a, Optional.empty(), r.conf(), r.deadline()));
      }
    }
  }
}
