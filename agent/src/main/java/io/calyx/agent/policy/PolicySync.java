package io.calyx.agent.policy;

import io.calyx.cni.dataplane.EndpointPolicy;
import io.calyx.cni.spec.CniException;
import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.endpoint.EndpointCodec;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Listing;
import io.calyx.core.store.WatchEvent;
import io.calyx.policy.PolicyEngine;
import io.calyx.policy.nft.NftApplier;
import io.calyx.policy.nft.NftException;
import io.calyx.policy.store.Profiles;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's group policy: a {@link PolicyEngine} over the host's nftables, fed from etcd.
 *
 * <p>At start it lists every endpoint and profile, replaces the {@code inet calyx} table atomically with
 * their ruleset, and then follows both prefixes by watch (remote members join and leave the group sets,
 * edited profiles are rewritten in place). Until that first pass is done ADD waits (the table left by the
 * previous agent stays in force meanwhile, so running containers keep their policy through a restart).
 * Every {@code repairEvery} the table is read back and replaced if someone changed it. Watch events and
 * passes run on one thread, in revision order.
 */
public final class PolicySync implements EndpointPolicy, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PolicySync.class);
  private static final Duration RETRY = Duration.ofSeconds(2);

  private final Datastore store;
  private final Profiles profiles;
  private final PolicyEngine engine;
  private final NftApplier applier;
  private final Duration repairEvery;
  private final Clock clock;
  private final CountDownLatch ready = new CountDownLatch(1);
  /**
   * Local endpoints removed (DEL, recovery) before the first pass was in force: its listing may have been
   * read before their records were deleted, so the first pass removes them again after reconciling.
   * Guarded by itself; null once the first pass is done.
   */
  private java.util.Set<HandleId> removedBeforeReady = new java.util.HashSet<>();
  private final Object readyLock = new Object();
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("calyx-policy").daemon().factory());
  private final List<AutoCloseable> watches = new java.util.concurrent.CopyOnWriteArrayList<>();
  private long endpointsListed;
  private long profilesListed;
  private boolean warned;

  public PolicySync(Datastore store, String node, List<Integer> hostAllowPorts, NftApplier applier, Duration repairEvery, Clock clock) {
    this.store = store;
    this.profiles = new Profiles(store);
    this.applier = applier;
    this.repairEvery = repairEvery;
    this.clock = clock;
    this.engine = new PolicyEngine(node, hostAllowPorts, applier, g -> profiles.getOrCreate(g, Deadline.in(Duration.ofSeconds(5), clock)));
  }

  /** Starts the first pass (retried until etcd answers), then the periodic repair. */
  public PolicySync start() {
    loop.execute(this::firstPass);
    return this;
  }

  /** Whether the first pass is done (ADD can be served). */
  public boolean ready() {
    return ready.getCount() == 0;
  }

  public PolicyEngine engine() {
    return engine;
  }

  private void firstPass() {
    try {
      Deadline deadline = Deadline.in(Duration.ofSeconds(10), clock);
      Listing endpoints = store.list(Endpoint.ROOT, deadline);
      Profiles.Listed listed = profiles.list(deadline);
      listed.unreadable().forEach(u -> LOG.warn("policy: ignoring profile: {}", u));
      List<Endpoint> all = new ArrayList<>();
      for (KeyValue kv : endpoints.kvs()) {
        decode(kv).ifPresent(all::add);
      }
      java.util.Optional<String> drift = engine.reconcile(all, listed.profiles());
      endpointsListed = endpoints.revision();
      profilesListed = listed.revision();
      watches.add(store.watch(Endpoint.ROOT, endpoints.revision() + 1, e -> loop.execute(() -> onEndpoint(e))));
      watches.add(profiles.watch(listed.revision() + 1, e -> loop.execute(() -> onProfile(e))));
      synchronized (readyLock) {
        // No ADD runs before ready (it waits for it), so nothing re-added these meanwhile.
        for (HandleId gone : removedBeforeReady) {
          try {
            engine.endpointRemoved(gone);
          } catch (RuntimeException ex) {
            LOG.warn("policy: removing the rules of {} failed ({}); the next repair removes them", gone, ex.getMessage());
          }
        }
        removedBeforeReady = null;
        ready.countDown();
      }
      LOG.info("policy: table inet calyx in force for {} endpoints and {} profiles{}", all.size(), listed.profiles().size(),
          drift.map(d -> " (it differed: " + d + ")").orElse(""));
      loop.scheduleWithFixedDelay(this::repair, repairEvery.toMillis(), repairEvery.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      if (!warned) {
        LOG.warn("policy: cannot read endpoints and profiles yet ({}); the table in the kernel stays, ADD waits; retrying", e.getMessage());
        warned = true;
      }
      loop.schedule(this::firstPass, RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private java.util.Optional<Endpoint> decode(KeyValue kv) {
    try {
      return java.util.Optional.of(EndpointCodec.decode(kv.key(), kv.value()));
    } catch (IllegalArgumentException e) {
      LOG.warn("policy: ignoring endpoint record: {}", e.getMessage());
      return java.util.Optional.empty();
    }
  }

  private void onEndpoint(WatchEvent e) {
    if (e.kv().modRevision() <= endpointsListed) {
      return;
    }
    try {
      if (e.type() == WatchEvent.Type.DELETE) {
        engine.remoteEndpointRemoved(e.kv().key());
      } else {
        decode(e.kv()).ifPresent(engine::remoteEndpointChanged);
      }
    } catch (RuntimeException ex) {
      LOG.warn("policy: applying the change of {} failed ({}); the next repair retries", e.kv().key(), ex.getMessage());
    }
  }

  private void onProfile(Profiles.ProfileEvent e) {
    if (e.revision() <= profilesListed) {
      return;
    }
    try {
      switch (e) {
        case Profiles.ProfileEvent.Changed c -> {
          engine.profileChanged(c.profile());
          LOG.info("policy: profile {} applied", c.profile().name());
        }
        case Profiles.ProfileEvent.Deleted d -> engine.profileRemoved(d.name());
        case Profiles.ProfileEvent.Unreadable u -> LOG.warn("policy: profile {} is unreadable, the previous version stays: {}", u.key(), u.problem());
      }
    } catch (RuntimeException ex) {
      LOG.warn("policy: applying a profile change failed ({}); the next repair retries", ex.getMessage());
    }
  }

  private void repair() {
    try {
      engine.repair();
    } catch (RuntimeException e) {
      LOG.warn("policy: repairing the table failed: {}", e.getMessage());
    }
  }

  @Override
  public void apply(Endpoint endpoint, Deadline deadline) {
    try {
      if (!ready.await(Math.max(0, deadline.remaining().toMillis()), TimeUnit.MILLISECONDS)) {
        throw new CniException(CniException.TRY_AGAIN_LATER,
            "group policy is not in force yet (the agent is still reading it from etcd); try again later", "");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CniException(CniException.TRY_AGAIN_LATER, "interrupted waiting for group policy", "");
    }
    try {
      engine.endpointAdded(endpoint);
    } catch (NftException e) {
      throw new CniException(CniException.INTERNAL, "cannot put the group policy of " + endpoint.handle() + " in force: " + e.getMessage(), "");
    }
  }

  @Override
  public void remove(HandleId handle) {
    synchronized (readyLock) {
      if (removedBeforeReady != null) {
        removedBeforeReady.add(handle);
      }
    }
    try {
      engine.endpointRemoved(handle);
    } catch (RuntimeException e) {
      LOG.warn("policy: removing the rules of {} failed ({}); the next repair removes them", handle, e.getMessage());
    }
  }

  @Override
  public void close() {
    loop.shutdownNow();
    for (AutoCloseable w : watches) {
      try {
        w.close();
      } catch (Exception e) {
        LOG.debug("closing a policy watch", e);
      }
    }
    applier.close();
  }
}
