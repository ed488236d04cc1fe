package io.calyx.cni.dataplane;

import io.calyx.core.net.IpPrefix;
import java.util.List;
import java.util.OptionalInt;

/**
 * Wires and unwires a container interface in the kernel. The implementation is {@link NetlinkDataplane};
 * the handler above it decides the order and the rollback.
 */
public interface Dataplane {
  /** What to wire. */
  record Plumbing(String netns, String ifName, String hostVeth, java.util.Optional<String> containerMac, List<IpPrefix> ips, OptionalInt mtu) {
    public Plumbing {
      ips = List.copyOf(ips);
    }

    /** The container side gets a MAC the kernel picks. */
    public Plumbing(String netns, String ifName, String hostVeth, List<IpPrefix> ips, OptionalInt mtu) {
      this(netns, ifName, hostVeth, java.util.Optional.empty(), ips, mtu);
    }
  }

  /** What was wired: the MACs the result reports. */
  record Wired(String hostVeth, String hostMac, String containerMac) {}

  /**
   * Creates the veth pair (the peer directly inside {@code netns} as {@code ifName}), addresses and routes on
   * both sides. Replaces a leftover pair of the same name (a retried ADD). On failure it removes what it
   * created and throws.
   */
  Wired setUp(Plumbing plumbing);

  /**
   * Like {@link #setUp(Plumbing)}, but the addresses arrive while the link is being created (the allocation
   * runs in parallel): {@code addresses} is called with the container side's MAC once the veth pair exists,
   * and may block or throw, in which case the pair is removed and the exception rethrown.
   * {@code plumbing.ips()} is ignored.
   */
  Wired setUp(Plumbing plumbing, java.util.function.Function<String, List<IpPrefix>> addresses);

  /**
   * Cuts a container off without waiting for the kernel to unregister its veth: sets the host side down,
   * which makes the kernel drop every route through it (IPv4 and IPv6), so nothing is routed into it or
   * accepted from it any more.
   *
   * @return false when the veth does not exist (nothing to cut off)
   */
  boolean cutOff(String hostVeth);

  /** Removes the pair (and with it the host routes through it); false when there was nothing to remove. */
  boolean tearDown(String hostVeth);

  /** The host sides of container veths present now ({@code cali} + 11 hex digits, kind veth). */
  java.util.Set<String> hostVeths();

  /** Whether {@code hostVeth} exists now. */
  boolean hasHostVeth(String hostVeth);

  /**
   * Puts back the host routes of {@code ips} through {@code hostVeth} (someone deleted them); false when the
   * veth is gone.
   */
  boolean restoreHostRoutes(String hostVeth, List<IpPrefix> ips);

  /** Verifies the wiring; throws naming what is missing. */
  void check(Plumbing plumbing);
}
