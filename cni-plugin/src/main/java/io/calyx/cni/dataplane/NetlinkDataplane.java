package io.calyx.cni.dataplane;

import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.netns.Addr;
import io.calyx.netns.Link;
import io.calyx.netns.Namespaces;
import io.calyx.netns.NativeException;
import io.calyx.netns.Netlink;
import io.calyx.netns.NetlinkPool;
import io.calyx.netns.Route;
import io.calyx.netns.Sysctl;
import java.util.List;
import java.util.Optional;

/**
 * The Calico-style wiring through FFM netlink: a veth whose host side has a fixed MAC and answers ARP for
 * the link-local gateway by proxy ARP; the container side has its addresses as /32 (/128), a link route to
 * {@value #GATEWAY_V4} and the default route through it (IPv6: through the host side's link-local
 * address); the host routes each address to the veth.
 */
public final class NetlinkDataplane implements Dataplane {
  public static final String GATEWAY_V4 = "169.254.1.1";
  /** The host side's fixed MAC; its IPv6 link-local address follows from it (EUI-64). */
  public static final String HOST_MAC = "ee:ee:ee:ee:ee:ee";
  public static final String GATEWAY_V6 = "fe80::ecee:eeff:feee:eeee";

  private final NetlinkPool hosts;
  private final java.util.OptionalInt hostNsFd;
  private final java.util.concurrent.atomic.AtomicBoolean hostPrepared = new java.util.concurrent.atomic.AtomicBoolean();
  private final java.util.concurrent.atomic.AtomicBoolean hostV6Prepared = new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * @param hosts netlink handles of the host side
   * @param hostNsFd the namespace {@code hosts} are bound to, when it is not the agent's own (simulated hosts)
   */
  public NetlinkDataplane(NetlinkPool hosts, java.util.OptionalInt hostNsFd) {
    this.hosts = hosts;
    this.hostNsFd = hostNsFd;
  }

  private void hostSysctl(String key, String value) {
    if (hostNsFd.isPresent()) {
      Sysctl.write(hostNsFd.getAsInt(), "the dataplane namespace", key, value);
    } else {
      Sysctl.write(key, value);
    }
  }

  /** Host-wide settings routing to containers needs (IPv4 forwarding), made once, on the first ADD. */
  private void prepareHost() {
    if (hostPrepared.compareAndSet(false, true)) {
      hostSysctl("net.ipv4.ip_forward", "1");
    }
  }

  @Override
  public Wired setUp(Plumbing p) {
    return setUp(p, mac -> p.ips());
  }

  @Override
  public Wired setUp(Plumbing p, java.util.function.Function<String, List<IpPrefix>> addresses) {
    return hosts.with(host -> setUp(host, p, addresses));
  }

  private Wired setUp(Netlink host, Plumbing p, java.util.function.Function<String, List<IpPrefix>> addresses) {
    prepareHost();
    int nsFd = Namespaces.open(p.netns());
    try (Netlink container = Netlink.in(nsFd, p.netns())) {
      try {
        host.addVeth(p.hostVeth(), Optional.of(HOST_MAC), p.mtu(), p.ifName(), nsFd, p.containerMac(), p.mtu());
      } catch (NativeException e) {
        if (!e.is(io.calyx.netns.Errno.EEXIST)) {
          throw e;
        }
        // A leftover pair of a retried ADD: replace it (only then, so a first ADD costs no extra request).
        host.deleteLink(p.hostVeth());
        host.addVeth(p.hostVeth(), Optional.of(HOST_MAC), p.mtu(), p.ifName(), nsFd, p.containerMac(), p.mtu());
      }
      try {
        return wire(host, p, addresses, container, nsFd);
      } catch (RuntimeException e) {
        host.deleteLink(p.hostVeth());
        throw e;
      }
    } finally {
      Namespaces.close(nsFd);
    }
  }

  private Wired wire(Netlink host, Plumbing p, java.util.function.Function<String, List<IpPrefix>> addresses, Netlink container, int nsFd) {
    Link inner = container.link(p.ifName()).orElseThrow(() -> new NativeException("veth peer " + p.ifName() + " did not appear in " + p.netns()));
    Link outer = host.link(p.hostVeth()).orElseThrow(() -> new NativeException("veth " + p.hostVeth() + " vanished"));
    hostSysctl("net.ipv4.conf." + p.hostVeth() + ".proxy_arp", "1");
    hostSysctl("net.ipv4.neigh." + p.hostVeth() + ".proxy_delay", "0");
    List<IpPrefix> ips = addresses.apply(inner.mac());
    boolean v6 = ips.stream().anyMatch(ip -> ip.family() == IpFamily.V6);
    if (v6) {
      // The host side's link-local address is the gateway: usable at once only without DAD on both ends.
      Sysctl.write(nsFd, p.netns(), "net.ipv6.conf." + p.ifName() + ".accept_dad", "0");
      hostSysctl("net.ipv6.conf." + p.hostVeth() + ".accept_dad", "0");
      if (hostV6Prepared.compareAndSet(false, true)) {
        hostSysctl("net.ipv6.conf.all.forwarding", "1");
      }
    }
    host.setUp(outer.index(), true, p.hostVeth());
    for (IpPrefix ip : ips) {
      container.addAddress(inner.index(), IpPrefix.host(ip.address()), p.ifName());
    }
    container.setUp(inner.index(), true, p.ifName());
    if (ips.stream().anyMatch(ip -> ip.family() == IpFamily.V4)) {
      IpAddress gw = IpAddress.parse("gateway", GATEWAY_V4);
      // The gateway's MAC is known: a permanent entry spares the first packet an ARP round trip and works
      // even where proxy ARP would not answer (a host without a route to 169.254.1.1 elsewhere).
      container.setPermanentNeighbor(inner.index(), gw, HOST_MAC);
      container.replaceRoute(Route.link(IpPrefix.host(gw), inner.index()));
      // onlink: the gateway is on this link whatever the /32 route to it says; a second interface of the
      // same container (another network, wired in parallel) replaces that /32 route with its own.
      container.replaceRoute(Route.via(IpPrefix.parseNetwork("dst", "0.0.0.0/0"), gw, inner.index(), true));
    }
    if (v6) {
      container.replaceRoute(Route.via(IpPrefix.parseNetwork("dst", "::/0"), IpAddress.parse("gateway", GATEWAY_V6), inner.index(), true));
    }
    for (IpPrefix ip : ips) {
      host.replaceRoute(Route.link(IpPrefix.host(ip.address()), outer.index()));
    }
    return new Wired(p.hostVeth(), outer.mac(), inner.mac());
  }

  @Override
  public boolean cutOff(String hostVeth) {
    return hosts.with(host -> host.setUp(hostVeth, false));
  }

  @Override
  public boolean tearDown(String hostVeth) {
    return hosts.with(host -> host.deleteLink(hostVeth));
  }

  private static final java.util.regex.Pattern HOST_VETH = java.util.regex.Pattern.compile(VethNames.PREFIX + "[0-9a-f]{11}");

  @Override
  public java.util.Set<String> hostVeths() {
    return hosts.with(host -> host.links().stream()
        .filter(l -> "veth".equals(l.kind()) && HOST_VETH.matcher(l.name()).matches())
        .map(Link::name)
        .collect(java.util.stream.Collectors.toSet()));
  }

  @Override
  public boolean hasHostVeth(String hostVeth) {
    return hosts.with(host -> host.link(hostVeth).isPresent());
  }

  @Override
  public boolean restoreHostRoutes(String hostVeth, List<IpPrefix> ips) {
    return hosts.with(host -> {
      Optional<Link> outer = host.link(hostVeth);
      outer.ifPresent(l -> ips.forEach(ip -> host.replaceRoute(Route.link(IpPrefix.host(ip.address()), l.index()))));
      return outer.isPresent();
    });
  }

  @Override
  public void check(Plumbing p) {
    hosts.with(host -> {
      check(host, p);
      return null;
    });
  }

  private void check(Netlink host, Plumbing p) {
    Link outer = host.link(p.hostVeth()).orElseThrow(() -> new NativeException("host veth " + p.hostVeth() + " is missing"));
    if (!outer.up()) {
      throw new NativeException("host veth " + p.hostVeth() + " is down");
    }
    List<Route> hostRoutes = host.routes(IpFamily.V4);
    for (IpPrefix ip : p.ips()) {
      List<Route> family = ip.family() == IpFamily.V4 ? hostRoutes : host.routes(IpFamily.V6);
      boolean routed = family.stream().anyMatch(r -> r.dst().equals(IpPrefix.host(ip.address())) && r.oif().orElse(-1) == outer.index());
      if (!routed) {
        throw new NativeException("host route " + IpPrefix.host(ip.address()) + " dev " + p.hostVeth() + " is missing");
      }
    }
    int nsFd = Namespaces.open(p.netns());
    try (Netlink container = Netlink.in(nsFd, p.netns())) {
      Link inner = container.link(p.ifName()).orElseThrow(() -> new NativeException(p.ifName() + " is missing in " + p.netns()));
      List<Addr> addrs = container.addresses();
      for (IpPrefix ip : p.ips()) {
        if (addrs.stream().noneMatch(a -> a.index() == inner.index() && a.prefix().address().equals(ip.address()))) {
          throw new NativeException("address " + ip.address() + " is missing on " + p.ifName() + " in " + p.netns());
        }
      }
      for (IpFamily family : IpFamily.values()) {
        if (p.ips().stream().noneMatch(ip -> ip.family() == family)) {
          continue;
        }
        IpAddress gw = IpAddress.parse("gateway", family == IpFamily.V4 ? GATEWAY_V4 : GATEWAY_V6);
        boolean defaultRoute = container.routes(family).stream().anyMatch(r -> r.dst().length() == 0
            && r.gateway().filter(gw::equals).isPresent() && r.oif().orElse(-1) == inner.index());
        if (!defaultRoute) {
          throw new NativeException("the default route via " + gw + " dev " + p.ifName() + " is missing in " + p.netns());
        }
      }
    } finally {
      Namespaces.close(nsFd);
    }
  }
}
