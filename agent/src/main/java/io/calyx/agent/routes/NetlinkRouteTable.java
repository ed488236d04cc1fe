package io.calyx.agent.routes;

import io.calyx.core.net.IpFamily;
import io.calyx.netns.NetlinkPool;
import io.calyx.netns.Route;
import java.util.HashSet;
import java.util.Set;

/**
 * Block routes in the main table of the dataplane namespace, made with calyx's protocol number so that
 * routes anyone else made are never touched. A container's own {@code /32 dev caliX} routes carry the same
 * number but have neither a gateway nor the blackhole type, so they are not block routes.
 */
public final class NetlinkRouteTable implements RouteTable {
  private final NetlinkPool netlink;

  public NetlinkRouteTable(NetlinkPool netlink) {
    this.netlink = netlink;
  }

  @Override
  public Set<BlockRoute> blockRoutes() {
    Set<BlockRoute> out = new HashSet<>();
    netlink.with(nl -> {
      for (IpFamily f : IpFamily.values()) {
        for (Route r : nl.routes(f)) {
          if (r.protocol() != Route.PROTOCOL_CALYX || r.metric() != Route.BLOCK_METRIC) {
            continue;
          }
          if (r.isBlackhole()) {
            out.add(BlockRoute.blackhole(r.dst()));
          } else if (r.gateway().isPresent()) {
            out.add(BlockRoute.via(r.dst(), r.gateway().get()));
          }
        }
      }
      return null;
    });
    return out;
  }

  @Override
  public void install(BlockRoute route) {
    netlink.with(nl -> {
      nl.replaceRoute(kernelRoute(route));
      return null;
    });
  }

  @Override
  public void remove(BlockRoute route) {
    netlink.with(nl -> nl.deleteRoute(kernelRoute(route)));
  }

  private static Route kernelRoute(BlockRoute r) {
    return r.via().map(gw -> Route.via(r.block(), gw)).orElseGet(() -> Route.blackhole(r.block())).withMetric(Route.BLOCK_METRIC);
  }
}
