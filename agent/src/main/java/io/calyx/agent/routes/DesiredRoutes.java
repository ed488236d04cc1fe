package io.calyx.agent.routes;

import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.node.Node;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the routing table should hold for the blocks, computed from block ownership and the node registry
 * alone. Pure.
 *
 * <p>Routes follow ownership, not liveness: a node whose heartbeat stopped still owns its blocks and keeps
 * its routes, so a restarting agent never cuts running containers off. A node is removed explicitly.
 */
public final class DesiredRoutes {
  private DesiredRoutes() {}

  /** "Host {@code owner} owns {@code block}". */
  public record Ownership(String owner, IpPrefix block) {}

  /**
   * The routes for {@code self}.
   *
   * @param ownerships every block's owner; a block claimed twice (which the claim transaction rules out, but
   *     a stray affinity left by hand or by an old crash can cause) goes to the alphabetically first owner
   *     that has an address of the block's family, else the alphabetically first: every host picks the same
   *     one, and a stray affinity of a host that is gone does not take the route from the live owner
   * @param nodes the registered nodes by name; a remote block whose owner has no address of the block's
   *     family (not registered yet, or deleted) gets no route until it has one
   */
  public static Set<BlockRoute> compute(String self, Collection<Ownership> ownerships, Map<String, Node> nodes) {
    Map<IpPrefix, java.util.TreeSet<String>> owners = new HashMap<>();
    for (Ownership o : ownerships) {
      owners.computeIfAbsent(o.block(), b -> new java.util.TreeSet<>()).add(o.owner());
    }
    Set<BlockRoute> out = new HashSet<>();
    owners.forEach((block, candidates) -> {
      String host = candidates.first();
      Optional<IpAddress> via = Optional.empty();
      for (String candidate : candidates) {
        via = addressOf(candidate, block, nodes);
        if (via.isPresent()) {
          host = candidate;
          break;
        }
      }
      if (host.equals(self)) {
        out.add(BlockRoute.blackhole(block));
      } else {
        via.ifPresent(ip -> out.add(BlockRoute.via(block, ip)));
      }
    });
    return out;
  }

  private static Optional<IpAddress> addressOf(String host, IpPrefix block, Map<String, Node> nodes) {
    return Optional.ofNullable(nodes.get(host)).flatMap(n -> n.address(block.family()));
  }
}
