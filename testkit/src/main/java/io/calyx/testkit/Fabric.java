package io.calyx.testkit;

import java.util.ArrayList;
import java.util.List;

/**
 * Several simulated hosts on one L2 segment: a "switch" namespace with a bridge, and one namespace per host
 * joined to it by a veth ({@code eth0} in the host, address {@code 192.0.2.<i>/24}, default route via the
 * switch at {@code 192.0.2.254}, IPv4 forwarding on). A calyx agent per host wires its containers in the
 * host's namespace ({@code --dataplane-netns}); etcd, on the machine's loopback, is reachable from every
 * agent. The namespaces come from the test's {@link NetnsExtension.NetnsFactory}, which deletes them.
 *
 * <p>Addresses are from TEST-NET-1 (RFC 5737) and exist only inside these namespaces.
 */
public final class Fabric {
  /** The address of the switch's bridge: every host's default gateway. */
  public static final String GATEWAY = "192.0.2.254";

  /** One simulated host. */
  public record SimHost(String name, Netns netns, String ip) {}

  private final Netns fabric;
  private final List<SimHost> hosts;

  private Fabric(Netns fabric, List<SimHost> hosts) {
    this.fabric = fabric;
    this.hosts = List.copyOf(hosts);
  }

  /** Builds a switch and {@code count} hosts named {@code host-1 ... host-N}. */
  public static Fabric create(NetnsExtension.NetnsFactory namespaces, int count) {
    if (count < 1 || count > 200) {
      throw new IllegalArgumentException("1 to 200 hosts");
    }
    Netns sw = namespaces.create();
    run(sw, "ip", "link", "add", "br0", "type", "bridge");
    run(sw, "ip", "addr", "add", GATEWAY + "/24", "dev", "br0");
    run(sw, "ip", "link", "set", "br0", "up");
    List<SimHost> hosts = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      Netns h = namespaces.create();
      String port = "port" + i;
      run(sw, "ip", "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", h.name());
      run(sw, "ip", "link", "set", port, "master", "br0", "up");
      String ip = "192.0.2." + i;
      run(h, "ip", "addr", "add", ip + "/24", "dev", "eth0");
      run(h, "ip", "link", "set", "eth0", "up");
      run(h, "ip", "route", "add", "default", "via", GATEWAY);
      run(h, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
      hosts.add(new SimHost("host-" + i, h, ip));
    }
    return new Fabric(sw, hosts);
  }

  public List<SimHost> hosts() {
    return hosts;
  }

  public SimHost host(int i) {
    return hosts.get(i - 1);
  }

  /** The switch namespace (its bridge is {@code br0}). */
  public Netns switchNetns() {
    return fabric;
  }

  private static void run(Netns ns, String... command) {
    ns.exec(command).requireSuccess(List.of(String.join(" ", command) + " in " + ns.name()));
  }
}
