package io.calyx.policy.render;

import io.calyx.core.GroupName;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.policy.Profile;
import io.calyx.core.policy.Rule;
import io.calyx.policy.nft.NftCommand.Hook;
import io.calyx.policy.render.Ruleset.Chain;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Pure functions from policy inputs to chains, and {@link #full} which builds a whole desired
 * {@link Ruleset} from scratch (what {@link PolicyModel} maintains incrementally; tests compare the two).
 *
 * <p>Layout: two base chains on the forward hook, {@code from_endpoints} (priority 0) then
 * {@code to_endpoints} (priority 1), dispatch by interface through the verdict maps to the endpoint chains. An accept in the first
 * base chain only ends that chain, so a packet between two local containers passes the sender's egress and
 * then the receiver's ingress; a drop anywhere is final. Unknown {@code cali*} interfaces are dropped (a
 * container is never reachable before its policy is in place). The host's own traffic to its containers uses
 * the output hook and is not filtered; containers reach the host (input hook) only on the allowed ports.
 */
public final class Compiler {
  static final String ESTABLISHED = "ct state established,related accept";
  private static final String VETHS = "\"" + Names.VETH_PREFIX + "*\"";

  private Compiler() {}

  /** The four fixed chains, with {@code hostAllowPorts} (TCP and UDP) open from containers to the host. */
  public static Map<String, Chain> baseChains(Collection<Integer> hostAllowPorts) {
    Map<String, Chain> out = new LinkedHashMap<>();
    out.put(Names.BASE_EGRESS, new Chain(Optional.of(new Hook("forward", 0)), List.of(
        ESTABLISHED, "iifname vmap @" + Names.MAP_OUT, "iifname " + VETHS + " drop")));
    out.put(Names.BASE_INGRESS, new Chain(Optional.of(new Hook("forward", 1)), List.of(
        ESTABLISHED, "oifname vmap @" + Names.MAP_IN, "oifname " + VETHS + " drop")));
    out.put(Names.BASE_INPUT, new Chain(Optional.of(new Hook("input", 0)), List.of(
        "iifname " + VETHS + " goto " + Names.ENDPOINT_TO_HOST)));
    List<String> toHost = new ArrayList<>();
    toHost.add(ESTABLISHED);
    // IPv6 needs neighbour discovery with the host (the container's gateway is the host veth's link-local).
    toHost.add("icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept");
    List<Integer> ports = hostAllowPorts.stream().distinct().sorted().toList();
    for (int p : ports) {
      if (p < 1 || p > 65535) {
        throw new IllegalArgumentException("host allow port " + p + " is not within 1-65535");
      }
    }
    if (!ports.isEmpty()) {
      toHost.add("meta l4proto { tcp, udp } th dport " + RuleRenderer.anonymousSet(ports.stream().map(String::valueOf).toList()) + " accept");
    }
    toHost.add("drop");
    out.put(Names.ENDPOINT_TO_HOST, new Chain(Optional.empty(), toHost));
    return out;
  }

  /** {@code pi_<hash>}: the profile's ingress rules in order; no match falls through to the next profile. */
  public static Chain profileIngress(Profile p) {
    return rules(p.ingress());
  }

  /** {@code po_<hash>}: the profile's egress rules. */
  public static Chain profileEgress(Profile p) {
    return rules(p.egress());
  }

  private static Chain rules(List<Rule> rules) {
    List<String> out = new ArrayList<>();
    rules.forEach(r -> out.addAll(RuleRenderer.render(r)));
    return new Chain(Optional.empty(), out);
  }

  /** {@code in_<veth>}: each of the endpoint's profiles in order, then drop. */
  public static Chain endpointIngress(Member m) {
    List<String> out = new ArrayList<>();
    m.groups().forEach(g -> out.add("jump " + Names.profileIngress(g)));
    out.add("drop");
    return new Chain(Optional.empty(), out);
  }

  /**
   * {@code out_<veth>}: packets must come from the endpoint's own addresses (a container cannot borrow the
   * address of a group member to get in elsewhere), then each profile's egress rules, then drop.
   */
  public static Chain endpointEgress(Member m) {
    List<String> out = new ArrayList<>();
    for (IpFamily f : List.of(IpFamily.V4, IpFamily.V6)) {
      List<String> own = m.ips().stream().filter(ip -> ip.family() == f).sorted().map(IpAddress::toString).toList();
      out.add(own.isEmpty()
          ? "meta nfproto " + (f == IpFamily.V4 ? "ipv4" : "ipv6") + " drop"
          : (f == IpFamily.V4 ? "ip" : "ip6") + " saddr != " + RuleRenderer.anonymousSet(own) + " drop");
    }
    m.groups().forEach(g -> out.add("jump " + Names.profileEgress(g)));
    out.add("drop");
    return new Chain(Optional.empty(), out);
  }

  /**
   * The whole desired ruleset, computed from scratch.
   *
   * @param locals the endpoints on this host
   * @param members every endpoint in the cluster (including the local ones), by key
   * @param profiles the profile of a group; groups it does not know get {@link Profile#defaultFor}
   */
  public static Ruleset full(Collection<LocalEndpoint> locals, Map<String, Member> members, Function<GroupName, Optional<Profile>> profiles,
      Collection<Integer> hostAllowPorts) {
    Ruleset r = new Ruleset();
    baseChains(hostAllowPorts).forEach(r::putChain);
    Set<GroupName> active = new LinkedHashSet<>();
    locals.forEach(l -> active.addAll(l.member().groups()));
    Set<GroupName> sets = new LinkedHashSet<>();
    for (GroupName g : active) {
      Profile p = profiles.apply(g).orElseGet(() -> Profile.defaultFor(g));
      r.putChain(Names.profileIngress(g), profileIngress(p));
      r.putChain(Names.profileEgress(g), profileEgress(p));
      sets.addAll(p.referencedGroups());
    }
    for (GroupName g : sets) {
      r.putSet(Names.memberSet(g, IpFamily.V4), IpFamily.V4);
      r.putSet(Names.memberSet(g, IpFamily.V6), IpFamily.V6);
    }
    for (Member m : members.values()) {
      for (GroupName g : m.groups()) {
        if (sets.contains(g)) {
          m.ips().forEach(ip -> r.addElement(Names.memberSet(g, ip.family()), ip));
        }
      }
    }
    for (LocalEndpoint l : locals) {
      r.putChain(Names.endpointIngress(l.veth()), endpointIngress(l.member()));
      r.putChain(Names.endpointEgress(l.veth()), endpointEgress(l.member()));
      r.putMapElement(Names.MAP_IN, l.veth(), Names.endpointIngress(l.veth()));
      r.putMapElement(Names.MAP_OUT, l.veth(), Names.endpointEgress(l.veth()));
    }
    return r;
  }
}
