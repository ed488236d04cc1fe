package io.calyx.core.endpoint;

import io.calyx.core.GroupName;
import io.calyx.core.HandleId;
import io.calyx.core.net.IpPrefix;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One container interface wired by the calyx plugin: what policy, routing, the reclaimer and
 * {@code calyxctl endpoint list} know about it. Written after the dataplane is in place, removed by DEL.
 *
 * @param handle network, container id, interface
 * @param node the host
 * @param hostVeth the host side of the veth pair
 * @param mac the container interface's MAC
 * @param ips its addresses (/32, /128)
 * @param groups its policy groups
 * @param labels its sanitised labels
 * @param netns the CNI_NETNS path at ADD
 * @param created when ADD wired it
 */
public record Endpoint(
    HandleId handle, String node, String hostVeth, String mac, List<IpPrefix> ips, List<GroupName> groups,
    Map<String, String> labels, String netns, Instant created) {
  public Endpoint {
    ips = List.copyOf(ips);
    groups = List.copyOf(groups);
    labels = Map.copyOf(labels);
  }

  public static final String ROOT = "/calyx/v1/endpoints/";

  /** {@code /calyx/v1/endpoints/<node>/<network>:<container>:<interface>}. */
  public static String key(String node, HandleId handle) {
    return ROOT + node + "/" + handle;
  }

  public String key() {
    return key(node, handle);
  }
}
