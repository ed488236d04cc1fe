package io.calyx.netns;

import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import io.calyx.netns.nl.Rtnl;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A route of the main table.
 *
 * @param dst the destination
 * @param gateway the next hop, if any
 * @param oif the output interface index, if any
 * @param scope RT_SCOPE_*
 * @param protocol RTPROT_* (calyx marks its own routes with {@link #PROTOCOL_CALYX})
 * @param type RTN_UNICAST or RTN_BLACKHOLE
 * @param onlink whether the gateway is on-link without a matching connected route
 * @param metric the route's priority (lower wins); 0 is the kernel's default for IPv4
 */
public record Route(IpPrefix dst, Optional<IpAddress> gateway, OptionalInt oif, int scope, int protocol, int type, boolean onlink, int metric) {
  /** A route without an explicit metric. */
  public Route(IpPrefix dst, Optional<IpAddress> gateway, OptionalInt oif, int scope, int protocol, int type, boolean onlink) {
    this(dst, gateway, oif, scope, protocol, type, onlink, 0);
  }

  /**
   * The metric of calyx's block routes: higher (less preferred) than connected routes (0 for IPv4, 256 for
   * IPv6), so a blackhole for a block never displaces the subnet route of a bridge that calyx-ipam gives
   * that block's addresses to, and an operator's own route for a block wins over calyx's.
   */
  public static final int BLOCK_METRIC = 1500;

  /** The same route with {@code metric}. */
  public Route withMetric(int metric) {
    return new Route(dst, gateway, oif, scope, protocol, type, onlink, metric);
  }

  /** The protocol number calyx puts on routes it creates, so it never touches routes it did not make. */
  public static final int PROTOCOL_CALYX = 80;

  /** {@code ip route add DST dev OIF scope link proto calyx}. */
  public static Route link(IpPrefix dst, int oif) {
    return new Route(dst, Optional.empty(), OptionalInt.of(oif), Rtnl.RT_SCOPE_LINK, PROTOCOL_CALYX, Rtnl.RTN_UNICAST, false);
  }

  /** {@code ip route add DST via GW dev OIF [onlink] proto calyx}. */
  public static Route via(IpPrefix dst, IpAddress gw, int oif, boolean onlink) {
    return new Route(dst, Optional.of(gw), OptionalInt.of(oif), Rtnl.RT_SCOPE_UNIVERSE, PROTOCOL_CALYX, Rtnl.RTN_UNICAST, onlink);
  }

  /** {@code ip route add DST via GW proto calyx}: the kernel picks the interface the gateway is on. */
  public static Route via(IpPrefix dst, IpAddress gw) {
    return new Route(dst, Optional.of(gw), OptionalInt.empty(), Rtnl.RT_SCOPE_UNIVERSE, PROTOCOL_CALYX, Rtnl.RTN_UNICAST, false);
  }

  /** Whether this is a blackhole route. */
  public boolean isBlackhole() {
    return type == Rtnl.RTN_BLACKHOLE;
  }

  /** {@code ip route add blackhole DST proto calyx}. */
  public static Route blackhole(IpPrefix dst) {
    return new Route(dst, Optional.empty(), OptionalInt.empty(), Rtnl.RT_SCOPE_UNIVERSE, PROTOCOL_CALYX, Rtnl.RTN_BLACKHOLE, false);
  }
}
