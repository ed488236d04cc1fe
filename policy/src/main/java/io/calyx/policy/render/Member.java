package io.calyx.policy.render;

import io.calyx.core.GroupName;
import io.calyx.core.net.IpAddress;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * What policy needs to know about an endpoint anywhere in the cluster: its addresses and its groups (in
 * the order given, without repeats: the order is the order its profiles are evaluated in).
 */
public record Member(List<IpAddress> ips, List<GroupName> groups) {
  public Member {
    ips = List.copyOf(new LinkedHashSet<>(ips));
    groups = List.copyOf(new LinkedHashSet<>(groups));
  }
}
