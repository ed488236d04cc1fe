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
  record Plumbing(String netns, String ifName, String hostVeth, List<IpPrefix> ips, OptionalInt mtu) {
    public Plumbing {
      ips = List.copyOf(ips);
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

  /** Removes the pair (and with it the host routes through it); false when there was nothing to remove. */
  boolean tearDown(String hostVeth);

  /** Verifies the wiring; throws naming what is missing. */
  void check(Plumbing plumbing);
}
