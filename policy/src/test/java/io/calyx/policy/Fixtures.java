package io.calyx.policy;

import io.calyx.core.GroupName;
import io.calyx.core.HandleId;
import io.calyx.core.NetworkName;
import io.calyx.core.ContainerId;
import io.calyx.core.InterfaceName;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Endpoint records for policy tests. */
final class Fixtures {
  private Fixtures() {}

  static HandleId handle(String container) {
    return new HandleId(NetworkName.of("calyx"), ContainerId.of(container), InterfaceName.of("eth0"));
  }

  static Endpoint endpoint(String node, String container, String veth, List<String> ips, List<String> groups) {
    return new Endpoint(handle(container), node, veth, "ee:ee:ee:ee:ee:ee",
        ips.stream().map(ip -> IpPrefix.host(IpAddress.parse("ip", ip))).toList(),
        groups.stream().map(GroupName::of).toList(), Map.of(), "/var/run/netns/x", Instant.EPOCH);
  }

  /** A calyx-shaped host veth name for a number. */
  static String veth(int n) {
    return String.format("cali%011x", n);
  }
}
