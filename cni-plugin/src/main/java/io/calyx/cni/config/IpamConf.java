package io.calyx.cni.config;

import io.calyx.cni.spec.Result;
import io.calyx.core.net.IpPrefix;
import java.util.List;

/**
 * The {@code ipam} section as calyx reads it.
 *
 * @param type the IPAM plugin type ({@code calyx-ipam})
 * @param pools restricts allocation to these existing pools (by CIDR); empty = any enabled pool of the family
 * @param assignIpv4 allocate an IPv4 address (default true)
 * @param assignIpv6 allocate an IPv6 address (default false)
 * @param routes routes calyx-ipam returns to the calling plugin ({@code ipam.routes}, as host-local has them)
 */
public record IpamConf(String type, List<IpPrefix> pools, boolean assignIpv4, boolean assignIpv6, List<Result.Route> routes) {
  public static final String CALYX_IPAM = "calyx-ipam";

  /** What an absent {@code ipam} section means for the calyx plugin. */
  public static final IpamConf DEFAULT = new IpamConf(CALYX_IPAM, List.of(), true, false, List.of());

  public IpamConf {
    pools = List.copyOf(pools);
    routes = List.copyOf(routes);
  }
}
