package io.calyx.cni.spec;

import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A CNI success result in the newest (1.1.0) model. {@link ResultCodec} prints it in any supported version
 * and reads it back from a {@code prevResult}.
 *
 * @param interfaces the interfaces the plugin created or configured (empty for an IPAM result)
 * @param ips the assigned addresses
 * @param routes routes to install in the container
 * @param dns DNS settings for the container (Mesos writes resolv.conf from them)
 */
public record Result(List<Interface> interfaces, List<IpConfig> ips, List<Route> routes, Dns dns) {
  public Result {
    interfaces = List.copyOf(interfaces);
    ips = List.copyOf(ips);
    routes = List.copyOf(routes);
    dns = dns == null ? Dns.EMPTY : dns;
  }

  /** The first address of a family, if any. */
  public Optional<IpConfig> firstIp(IpFamily family) {
    return ips.stream().filter(ip -> ip.address().family() == family).findFirst();
  }

  /**
   * An interface of the result.
   *
   * @param sandbox the netns path for an interface inside the container; empty for a host interface
   * @param mtu 1.1.0 only
   */
  public record Interface(String name, String mac, Optional<String> sandbox, OptionalInt mtu) {}

  /**
   * An assigned address.
   *
   * @param address the address with the prefix the container sees (e.g. {@code 10.244.3.17/32})
   * @param interfaceIndex index into {@link #interfaces()}; absent in IPAM results
   */
  public record IpConfig(IpPrefix address, Optional<IpAddress> gateway, OptionalInt interfaceIndex) {}

  /**
   * A route. The 1.1.0 fields ({@code mtu}, {@code advmss}, {@code priority}, {@code table}, {@code scope})
   * are printed only for 1.1.0.
   */
  public record Route(
      IpPrefix dst,
      Optional<IpAddress> gw,
      OptionalInt mtu,
      OptionalInt advmss,
      OptionalInt priority,
      OptionalInt table,
      OptionalInt scope) {
    public static Route of(IpPrefix dst, Optional<IpAddress> gw) {
      return new Route(dst, gw, OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty());
    }
  }

  /** DNS settings; every field may be empty ({@code "dns":{}} means "none" to Mesos). */
  public record Dns(List<String> nameservers, Optional<String> domain, List<String> search, List<String> options) {
    public static final Dns EMPTY = new Dns(List.of(), Optional.empty(), List.of(), List.of());

    public Dns {
      nameservers = List.copyOf(nameservers);
      search = List.copyOf(search);
      options = List.copyOf(options);
    }
  }
}
