package io.calyx.agent.mesos;

import io.calyx.cni.dataplane.CalyxHandler;
import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.store.Datastore;
import io.calyx.ipam.Block;
import io.calyx.ipam.Codec;
import io.calyx.ipam.HandleRecord;
import io.calyx.ipam.Keys;
import io.calyx.ipam.Origin;
import io.calyx.ipam.OwnedBlocks;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases addresses whose DEL never came (a host reboot, a lost DEL): each round compares the calyx
 * plugin's allocations in this node's blocks with the containers the Mesos agent knows (its operator API
 * and its CNI checkpoint directory), and hands what has been absent from both for the grace period, at an
 * unchanged revision, to {@link CalyxHandler#reclaim}, which re-checks under the container's lock.
 *
 * <p>When the Mesos agent cannot be asked, the round releases nothing and restarts every wait.
 * Allocations calyx-ipam made for other runtimes are never touched here (CNI GC reclaims those). Every
 * release is logged. One round is cheap: the node's affinities, its blocks, and one read per suspect.
 */
public final class Reclaimer {
  private static final Logger LOG = LoggerFactory.getLogger(Reclaimer.class);

  /** Where live containers come from. */
  public interface LiveContainers {
    /** The ids the Mesos agent knows now, from all sources; throws when any source cannot be read. */
    Set<String> ids() throws MesosUnavailableException, InterruptedException;
  }

  private final LiveContainers live;
  private final LeakTracker tracker;
  private final Datastore store;
  private final String node;
  private final CalyxHandler handler;
  private final Clock clock;
  private boolean mesosReachable = true;

  /** What one round did. */
  public record Round(boolean observed, int suspects, int released) {}

  public Reclaimer(LiveContainers live, LeakTracker tracker, Datastore store, String node, CalyxHandler handler, Clock clock) {
    this.live = live;
    this.tracker = tracker;
    this.store = store;
    this.node = node;
    this.handler = handler;
    this.clock = clock;
  }

  /** The operator API and the checkpoint directory together: live when either names the container. */
  public static LiveContainers fromMesos(MesosAgentClient api, CniCheckpointDir checkpoints) {
    return () -> {
      Set<String> ids = new HashSet<>(api.containerIds());
      ids.addAll(checkpoints.containerIds());
      return ids;
    };
  }

  /** One round. Not thread-safe: run it from one thread. */
  public Round round() {
    Set<String> ids;
    try {
      ids = live.ids();
    } catch (MesosUnavailableException e) {
      tracker.observeUnavailable();
      if (mesosReachable) {
        LOG.warn("reclaim: {}; no address is released while the Mesos agent cannot be asked", e.getMessage());
      }
      mesosReachable = false;
      return new Round(false, 0, 0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      tracker.observeUnavailable();
      return new Round(false, 0, 0);
    }
    if (!mesosReachable) {
      LOG.info("reclaim: the Mesos agent answers again");
    }
    mesosReachable = true;
    Deadline deadline = Deadline.in(Duration.ofSeconds(10), clock);
    List<LeakTracker.Candidate> absent = absentAllocations(ids, deadline);
    List<LeakTracker.Candidate> due = tracker.observe(absent, ids, clock.instant());
    int released = 0;
    for (LeakTracker.Candidate c : due) {
      if (release(c, deadline)) {
        released++;
      }
    }
    return new Round(true, tracker.suspects(), released);
  }

  /** The calyx plugin's allocations in this node's blocks whose container no source names. */
  private List<LeakTracker.Candidate> absentAllocations(Set<String> ids, Deadline deadline) {
    Set<HandleId> handles = new LinkedHashSet<>();
    for (Block b : OwnedBlocks.read(store, node, deadline).decoded()) {
      b.allocations().values().forEach(al -> handles.add(al.handle()));
    }
    List<LeakTracker.Candidate> out = new ArrayList<>();
    for (HandleId h : handles) {
      if (LeakTracker.isLive(h.containerId().value(), ids)) {
        continue;
      }
      store.get(Keys.handle(h), deadline).ifPresent(kv -> {
        HandleRecord r = Codec.decodeHandle(kv);
        if (r.origin() == Origin.CALYX && r.host().equals(node)) {
          out.add(new LeakTracker.Candidate(h.toString(), h.containerId().value(), kv.modRevision()));
        }
      });
    }
    return out;
  }

  private boolean release(LeakTracker.Candidate c, Deadline deadline) {
    HandleId handle = HandleId.parse(c.handle());
    try {
      boolean done = handler.reclaim(handle, () -> store.get(Keys.handle(handle), deadline)
          .map(kv -> kv.modRevision() == c.revision()).orElse(false), deadline);
      if (done) {
        LOG.info("reclaim: released {} (container {} unknown to the Mesos agent for at least {} s)", c.handle(), c.containerId(),
            tracker.grace().toSeconds());
      }
      return done;
    } catch (RuntimeException e) {
      LOG.warn("reclaim: releasing {} failed ({}); trying again next round", c.handle(), e.getMessage());
      return false;
    }
  }
}
