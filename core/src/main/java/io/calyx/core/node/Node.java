package io.calyx.core.node;

import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A host running a calyx agent, as registered in the datastore: where other hosts route its blocks to, and
 * when its agent last said it was alive. Liveness is for operators only: routes follow block ownership, so a
 * node whose heartbeat stopped keeps its routes until {@code calyxctl node delete} removes it.
 *
 * @param name the node name ({@code --nodename})
 * @param ipv4 its IPv4 host address (next hop for its IPv4 blocks), if it has one
 * @param ipv6 its IPv6 host address (next hop for its IPv6 blocks), if it has one
 * @param agentVersion the version of the agent that registered it
 * @param started when that agent started
 * @param heartbeat when the agent last refreshed this record
 */
public record Node(String name, Optional<IpAddress> ipv4, Optional<IpAddress> ipv6, String agentVersion, Instant started, Instant heartbeat) {
  /** Where node records live: {@code /calyx/v1/nodes/<name>}. */
  public static final String ROOT = "/calyx/v1/nodes/";
  /** How often an agent refreshes its heartbeat. */
  public static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(30);
  /** A heartbeat younger than this (three intervals) means the agent runs. */
  public static final Duration ALIVE_WITHIN = HEARTBEAT_INTERVAL.multipliedBy(3);

  public Node {
    if (ipv4.isPresent() && ipv4.get().family() != IpFamily.V4) {
      throw new IllegalArgumentException("ipv4 " + ipv4.get() + " is not an IPv4 address");
    }
    if (ipv6.isPresent() && ipv6.get().family() != IpFamily.V6) {
      throw new IllegalArgumentException("ipv6 " + ipv6.get() + " is not an IPv6 address");
    }
  }

  public static String key(String name) {
    return ROOT + name;
  }

  public String key() {
    return key(name);
  }

  /** The host address of {@code family}: the next hop for this node's blocks of that family. */
  public Optional<IpAddress> address(IpFamily family) {
    return family == IpFamily.V4 ? ipv4 : ipv6;
  }

  /** Whether the agent refreshed its record within {@code within} before {@code now}. */
  public boolean alive(Instant now, Duration within) {
    return !heartbeat.isBefore(now.minus(within));
  }

  /** The same record with a new heartbeat. */
  public Node beat(Instant at) {
    return new Node(name, ipv4, ipv6, agentVersion, started, at);
  }
}
