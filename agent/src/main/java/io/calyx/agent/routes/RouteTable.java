package io.calyx.agent.routes;

import java.util.Set;

/** The kernel routing table, as far as block routes go. Implemented over netlink; faked in pure tests. */
public interface RouteTable {
  /** The block routes calyx made that are in the table now (its protocol number, blackhole or via a gateway). */
  Set<BlockRoute> blockRoutes();

  /** Adds or replaces the route to {@code route.block()}. */
  void install(BlockRoute route);

  /** Removes the route; nothing happens when it is not there. */
  void remove(BlockRoute route);
}
