package io.calyx.agent.routes;

import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import java.util.Optional;

/**
 * A route calyx keeps for an address block: {@code BLOCK via HOST} for a block another host owns, a
 * blackhole for a block of this host (its containers' /32 routes are more specific; the rest of the block
 * is dropped here instead of looping back to the default route).
 *
 * @param block the block
 * @param via the owning host's address; empty for a blackhole
 */
public record BlockRoute(IpPrefix block, Optional<IpAddress> via) {
  public static BlockRoute blackhole(IpPrefix block) {
    return new BlockRoute(block, Optional.empty());
  }

  public static BlockRoute via(IpPrefix block, IpAddress host) {
    return new BlockRoute(block, Optional.of(host));
  }

  @Override
  public String toString() {
    return via.map(h -> block + " via " + h).orElse("blackhole " + block);
  }
}
