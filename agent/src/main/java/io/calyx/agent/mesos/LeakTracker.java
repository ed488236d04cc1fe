package io.calyx.agent.mesos;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Decides which of this node's allocations have leaked: Mesos does not send CNI DEL after a reboot (its
 * CNI checkpoints live in tmpfs), and a lost DEL keeps an address allocated forever. No I/O; the caller
 * reads the allocations and Mesos' containers and acts on the answer.
 *
 * <p>An allocation is a <em>suspect</em> from the first successful observation in which its container is
 * not live. It is returned for release once it has been a suspect for at least the grace period, in
 * every observation since, with the allocation unchanged (same container and etcd revision) all along.
 * The caller releases it only if the record still has that revision (compare-and-delete), so an
 * allocation rewritten in between survives. A suspect whose container shows up again is forgotten; one
 * whose record changed starts over with the new revision; one no longer allocated is forgotten.
 *
 * <p>A round in which Mesos could not be asked is no evidence of absence: {@link #observeUnavailable()}
 * forgets every suspect, so absence is only ever measured across consecutive successful observations,
 * and nothing is released in or right after such a round. A caller that skips a round without saying so
 * would let the gap count as absence; it must call {@link #observeUnavailable()} instead.
 *
 * <p>Not thread-safe: one reclaimer thread owns an instance.
 */
public final class LeakTracker {
  /**
   * One allocation of this node.
   *
   * @param handle what the allocation is released by ({@code network:container:interface})
   * @param containerId the container as the CNI plugin saw it ({@code CNI_CONTAINERID})
   * @param revision the etcd revision of the allocation record as read this round
   */
  public record Candidate(String handle, String containerId, long revision) {
    public Candidate {
      Objects.requireNonNull(handle, "handle");
      Objects.requireNonNull(containerId, "containerId");
    }
  }

  private record Suspect(Candidate candidate, Instant absentSince) {}

  private final Duration grace;
  private final Map<String, Suspect> suspects = new HashMap<>();

  /**
   * @param grace how long an allocation must be seen without its container before it is released
   *     (the agent's default is 10 minutes); zero releases on the first observation
   */
  public LeakTracker(Duration grace) {
    Objects.requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("the leak grace period must not be negative, not " + grace);
    }
    this.grace = grace;
  }

  public Duration grace() {
    return grace;
  }

  /**
   * One successful round.
   *
   * @param allocations every allocation of this node, as read this round (a handle at most once)
   * @param liveContainerIds the containers Mesos knows this round: the union of its operator API's answer
   *     and its CNI checkpoint directory
   * @param now the time of the observation; a monotonic source is best (a clock stepped back restarts
   *     the suspects it passes)
   * @return the allocations to release, with the revision to release them at, ordered by handle
   * @throws IllegalArgumentException when a handle appears twice among the allocations
   */
  public List<Candidate> observe(Collection<Candidate> allocations, Set<String> liveContainerIds, Instant now) {
    Objects.requireNonNull(now, "now");
    Set<String> handles = new HashSet<>();
    Map<String, Suspect> next = new HashMap<>();
    List<Candidate> release = new ArrayList<>();
    for (Candidate allocation : allocations) {
      if (!handles.add(allocation.handle())) {
        throw new IllegalArgumentException("the allocation " + allocation.handle() + " was given twice");
      }
      if (isLive(allocation.containerId(), liveContainerIds)) {
        continue;
      }
      Suspect previous = suspects.get(allocation.handle());
      Suspect suspect = previous != null && previous.candidate().equals(allocation) && !now.isBefore(previous.absentSince())
          ? previous
          : new Suspect(allocation, now);
      next.put(allocation.handle(), suspect);
      if (Duration.between(suspect.absentSince(), now).compareTo(grace) >= 0) {
        release.add(allocation);
      }
    }
    suspects.clear();
    suspects.putAll(next);
    release.sort(Comparator.comparing(Candidate::handle));
    return List.copyOf(release);
  }

  /** A round in which Mesos could not be asked: releases nothing and restarts every suspect's wait. */
  public void observeUnavailable() {
    suspects.clear();
  }

  /** How many allocations are currently suspected of having leaked (waiting out the grace period). */
  public int suspects() {
    return suspects.size();
  }

  /**
   * Whether a container counts as live. Besides its own id, a nested container ({@code parent.child})
   * is live when its last part is: Mesos' {@code GET_CONTAINERS} entry names a nested container by its own
   * value only ({@link MesosAgentClient} takes the full id from the entry's status, but the agent leaves
   * the status out when the containerizer cannot give one), and since Mesos reserves {@code .} in
   * container id values, the last part names exactly one container.
   */
  static boolean isLive(String containerId, Set<String> live) {
    if (live.contains(containerId)) {
      return true;
    }
    int dot = containerId.lastIndexOf('.');
    return dot >= 0 && dot < containerId.length() - 1 && live.contains(containerId.substring(dot + 1));
  }
}
