package io.calyx.agent.node;

import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.netns.Addr;
import io.calyx.netns.Netlink;
import io.calyx.netns.Route;
import java.util.List;
import java.util.Optional;

/**
 * Finds this host's address for a family: the one given with {@code --host-ip}, or else the first global
 * address of the interface that holds the default route, as other hosts see this host through it.
 */
public final class HostAddresses {
  private static final int RT_SCOPE_UNIVERSE = 0;

  private HostAddresses() {}

  /** The address of {@code family}: {@code configured} when it is of that family, else detected. */
  public static Optional<IpAddress> of(IpFamily family, Optional<IpAddress> configured, Netlink netlink) {
    if (configured.isPresent() && configured.get().family() == family) {
      return configured;
    }
    return detect(family, netlink.routes(family), netlink.addresses());
  }

  /** The first global address of {@code family} on the default route's interface. Pure. */
  static Optional<IpAddress> detect(IpFamily family, List<Route> routes, List<Addr> addresses) {
    return routes.stream()
        .filter(r -> r.dst().length() == 0 && r.oif().isPresent())
        .map(r -> r.oif().getAsInt())
        .findFirst()
        .flatMap(oif -> addresses.stream()
            .filter(a -> a.index() == oif && a.prefix().family() == family && a.scope() == RT_SCOPE_UNIVERSE)
            .map(a -> a.prefix().address())
            .findFirst());
  }
}
