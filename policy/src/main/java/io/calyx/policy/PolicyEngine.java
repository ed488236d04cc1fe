package io.calyx.policy;

import io.calyx.core.GroupName;
import io.calyx.core.HandleId;
import io.calyx.core.InvalidValueException;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.policy.Profile;
import io.calyx.policy.nft.NftApplier;
import io.calyx.policy.nft.NftBatch;
import io.calyx.policy.nft.NftException;
import io.calyx.policy.nft.TableSnapshot;
import io.calyx.policy.render.LocalEndpoint;
import io.calyx.policy.render.Member;
import io.calyx.policy.render.PolicyModel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps table {@code inet calyx} equal to the policy of this host's endpoints. Each method changes the
 * model and applies the resulting nft batch before it returns, as one transaction: {@link #endpointAdded}
 * returns only once the new container is both protected and reachable, so the ADD that calls it never
 * leaves a window either way.
 *
 * <p>Thread-safe: callers on any threads are serialised by one lock (a batch takes about 1 ms). A batch the
 * kernel refuses (normally because someone changed the table behind calyx's back) is followed at once by a
 * full, atomic replacement of the table from the model; only if that fails too does the method throw.
 *
 * <p>Start-up: call {@link #reconcile} first (with every endpoint record and profile from the datastore);
 * until then, and after any failure, the next call replaces the whole table.
 */
public final class PolicyEngine {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyEngine.class);

  private final String node;
  private final NftApplier applier;
  private final ProfileLoader loader;
  private final List<Integer> hostAllowPorts;
  private final ReentrantLock lock = new ReentrantLock();
  private PolicyModel model;
  private boolean needsFull = true;
  private long batches;
  private long fullReplacements;

  /**
   * @param node this host's node name (endpoint records of this node are local)
   * @param hostAllowPorts ports (TCP and UDP) containers may reach on their host, e.g. 5051
   * @param applier where batches go, in this host's network namespace
   * @param loader the profile of a group seen for the first time
   */
  public PolicyEngine(String node, Collection<Integer> hostAllowPorts, NftApplier applier, ProfileLoader loader) {
    if (node == null || node.isEmpty() || node.contains("/")) {
      throw new InvalidValueException("nodename", InvalidValueException.quote(node) + " is not a node name");
    }
    this.node = node;
    this.applier = applier;
    this.loader = loader;
    this.hostAllowPorts = List.copyOf(hostAllowPorts);
    this.model = new PolicyModel(this.hostAllowPorts);
  }

  // ---- local endpoints (ADD / DEL)

  /**
   * Puts a local endpoint's policy in force: its chains, its verdict map elements, its addresses in its
   * groups' member sets, and its groups' profile chains and sets if they are new here. Idempotent (a retried
   * ADD); a changed record replaces the previous one.
   *
   * @throws InvalidValueException when the endpoint is not this node's or its host veth name is not calyx's
   * @throws NftException when nftables refused it (nothing of it is in force then)
   */
  public void endpointAdded(Endpoint local) {
    if (!local.node().equals(node)) {
      throw new InvalidValueException("node", "endpoint " + local.key() + " belongs to node " + InvalidValueException.quote(local.node())
          + ", not to this node " + node);
    }
    LocalEndpoint l = new LocalEndpoint(local.hostVeth(), local.key(), member(local));
    Map<GroupName, Profile> loaded = loadUnknownProfiles(l.member().groups());
    withLock(() -> {
      loaded.forEach((g, p) -> {
        if (!model.knowsProfile(g)) {
          model.putProfile(p);
        }
      });
      Optional<LocalEndpoint> before = model.local(l.key());
      Optional<Member> memberBefore = Optional.ofNullable(model.members().get(l.key()));
      model.putLocal(l);
      applyOrUndo(() -> {
        if (before.isPresent()) {
          model.putLocal(before.get());
        } else {
          model.removeLocal(l.key());
          memberBefore.ifPresent(m -> model.putMember(l.key(), m));
        }
      });
      return null;
    });
  }

  /**
   * Removes a local endpoint's policy: its chains and map elements, its addresses from the member sets, and
   * profile chains and sets nothing else here uses. Unknown handles are ignored (DEL is idempotent).
   *
   * @throws NftException when nftables refused it; the endpoint is forgotten anyway and its rules go with the
   *     next successful apply
   */
  public void endpointRemoved(HandleId handle) {
    String key = Endpoint.key(node, handle);
    withLock(() -> {
      if (model.local(key).isEmpty() && !model.members().containsKey(key)) {
        return null;
      }
      model.removeLocal(key);
      model.removeMember(key);
      applyOrResync();
      return null;
    });
  }

  // ---- the cluster (etcd watch of /calyx/v1/endpoints/)

  /**
   * An endpoint record anywhere in the cluster was written: its addresses join its groups' member sets
   * here (element adds and deletes only). Records of this node are ignored: local endpoints come through
   * {@link #endpointAdded}, which sees them first.
   */
  public void remoteEndpointChanged(Endpoint e) {
    if (e.node().equals(node)) {
      return;
    }
    Member m = member(e);
    withLock(() -> {
      model.putMember(e.key(), m);
      applyOrResync();
      return null;
    });
  }

  /** An endpoint record was deleted ({@code key} as in the watch event); records of this node are ignored. */
  public void remoteEndpointRemoved(String key) {
    if (key.startsWith(Endpoint.ROOT + node + "/")) {
      return;
    }
    withLock(() -> {
      if (model.removeMember(key).isPresent()) {
        applyOrResync();
      }
      return null;
    });
  }

  // ---- profiles (etcd watch of /calyx/v1/profiles/)

  /** A profile was created or edited: if a local endpoint uses it, only its chains (and the sets it names) change. */
  public void profileChanged(Profile p) {
    withLock(() -> {
      model.putProfile(p);
      applyOrResync();
      return null;
    });
  }

  /** A profile was deleted: its group falls back to {@link Profile#defaultFor}. */
  public void profileRemoved(GroupName g) {
    withLock(() -> {
      model.removeProfile(g);
      applyOrResync();
      return null;
    });
  }

  // ---- whole state

  /**
   * Replaces the model with {@code endpoints} (every endpoint record in the cluster; this node's are the
   * local ones) and {@code profiles}, and the kernel table with its ruleset in one atomic batch. For the
   * agent's start (and whenever it re-lists the datastore); established connections are unaffected.
   *
   * @return what was found in the kernel before: empty when it already matched, else a description
   */
  public Optional<String> reconcile(Collection<Endpoint> endpoints, Collection<Profile> profiles) {
    List<LocalEndpoint> locals = new ArrayList<>();
    List<Endpoint> remotes = new ArrayList<>();
    for (Endpoint e : endpoints) {
      if (e.node().equals(node)) {
        locals.add(new LocalEndpoint(e.hostVeth(), e.key(), member(e)));
      } else {
        remotes.add(e);
      }
    }
    return withLock(() -> {
      PolicyModel fresh = new PolicyModel(hostAllowPorts);
      profiles.forEach(fresh::putProfile);
      remotes.forEach(e -> fresh.putMember(e.key(), member(e)));
      locals.forEach(fresh::putLocal);
      Optional<String> drift = compare(fresh);
      model = fresh;
      replaceAll();
      return drift;
    });
  }

  /**
   * Reads the table back and replaces it when it differs from what was applied (someone flushed or edited
   * it). For a periodic timer.
   *
   * @return the difference found, empty when there was none
   */
  public Optional<String> repair() {
    return withLock(() -> {
      Optional<String> drift = needsFull ? Optional.of("a previous apply failed") : compare(model);
      if (drift.isPresent()) {
        LOG.warn("nftables table inet calyx drifted ({}); replacing it", drift.get());
        replaceAll();
      }
      return drift;
    });
  }

  private Optional<String> compare(PolicyModel m) {
    Optional<TableSnapshot> actual = applier.readTable();
    if (actual.isEmpty()) {
      return Optional.of("table inet calyx is missing");
    }
    return actual.get().differenceFrom((m == model ? m.applied() : m.desired()).snapshot());
  }

  /** Numbers for metrics and tests. */
  public record Stats(long batches, long fullReplacements, int localEndpoints, int members) {}

  public Stats stats() {
    return withLock(() -> new Stats(batches, fullReplacements, model.locals().size(), model.members().size()));
  }

  /** The model, for tests and diagnostics; only read it while no other thread calls the engine. */
  public PolicyModel model() {
    return model;
  }

  // ---- applying

  private Map<GroupName, Profile> loadUnknownProfiles(List<GroupName> groups) {
    List<GroupName> unknown = withLock(() -> groups.stream().filter(g -> !model.knowsProfile(g)).toList());
    Map<GroupName, Profile> out = new java.util.LinkedHashMap<>();
    // Outside the lock: loading may be a datastore round trip, which must not hold up other endpoints.
    for (GroupName g : unknown) {
      Profile p = loader.load(g);
      if (!p.name().equals(g)) {
        throw new IllegalStateException("the profile loaded for group " + g + " is named " + p.name());
      }
      out.put(g, p);
    }
    return out;
  }

  /** Applies the pending change; on failure replaces the table, and if that fails too, undoes the change. */
  private void applyOrUndo(Runnable undo) {
    try {
      applyPending();
    } catch (NftException first) {
      try {
        replaceAll();
      } catch (NftException second) {
        second.addSuppressed(first);
        undo.run();
        needsFull = true;
        throw second;
      }
    }
  }

  /** Applies the pending change; on failure replaces the table; the change stays in the model either way. */
  private void applyOrResync() {
    applyOrUndo(() -> {});
  }

  private void applyPending() {
    if (needsFull) {
      replaceAll();
      return;
    }
    if (!model.hasPending()) {
      return;
    }
    NftBatch batch = model.pendingBatch();
    try {
      applier.apply(batch);
    } catch (NftException e) {
      LOG.warn("nftables refused an incremental batch ({}); replacing table inet calyx", e.getMessage());
      throw e;
    }
    batches++;
    model.markApplied();
  }

  private void replaceAll() {
    NftBatch full = model.fullBatch();
    applier.apply(full);
    batches++;
    fullReplacements++;
    model.markFullyApplied();
    needsFull = false;
  }

  private <T> T withLock(Supplier<T> body) {
    lock.lock();
    try {
      return body.get();
    } finally {
      lock.unlock();
    }
  }

  private static Member member(Endpoint e) {
    return new Member(e.ips().stream().map(IpPrefix::address).toList(), e.groups());
  }
}
