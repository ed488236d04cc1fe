package io.calyx.policy.render;

import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.policy.Peer;
import io.calyx.core.policy.PortRange;
import io.calyx.core.policy.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Renders one profile {@link Rule} to nft rule statements (the text after {@code add rule inet calyx
 * <chain>}). Pure. A rule limited to one family by its networks becomes one statement; a rule naming a
 * group becomes one statement per family (the group's IPv4 and IPv6 member sets); a rule without peers
 * becomes one family-agnostic statement. Only validated values reach the text: addresses printed by
 * {@code IpAddress}, port numbers, set names derived by {@link Names}.
 */
public final class RuleRenderer {
  private RuleRenderer() {}

  public static List<String> render(Rule rule) {
    String verdict = rule.action() == Rule.Action.ALLOW ? "accept" : "drop";
    if (rule.familyAgnostic()) {
      return List.of(join(protocol(rule, Optional.empty()), verdict));
    }
    List<String> out = new ArrayList<>();
    for (IpFamily family : List.of(IpFamily.V4, IpFamily.V6)) {
      if (!rule.families().contains(family)) {
        continue;
      }
      out.add(join(peer(rule.source(), family, "saddr"), peer(rule.destination(), family, "daddr"),
          protocol(rule, Optional.of(family)), verdict));
    }
    return out;
  }

  private static String peer(Optional<Peer> peer, IpFamily family, String field) {
    if (peer.isEmpty()) {
      return "";
    }
    String selector = (family == IpFamily.V4 ? "ip " : "ip6 ") + field + " ";
    return switch (peer.get()) {
      case Peer.Group g -> selector + "@" + Names.memberSet(g.group(), family);
      case Peer.Nets n -> selector + anonymousSet(n.of(family).stream().map(IpPrefix::toString).toList());
    };
  }

  private static String protocol(Rule rule, Optional<IpFamily> family) {
    return switch (rule.protocol()) {
      case ANY -> "";
      case TCP, UDP -> rule.ports().isEmpty()
          ? "meta l4proto " + rule.protocol().text()
          : rule.protocol().text() + " dport " + anonymousSet(rule.ports().stream().map(PortRange::toString).toList());
      case ICMP -> family.map(f -> f == IpFamily.V4 ? "meta l4proto icmp" : "meta l4proto ipv6-icmp")
          .orElse("meta l4proto { icmp, ipv6-icmp }");
    };
  }

  /** {@code x} or {@code { x, y }}. */
  static String anonymousSet(List<String> items) {
    return items.size() == 1 ? items.getFirst() : items.stream().collect(Collectors.joining(", ", "{ ", " }"));
  }

  private static String join(String... parts) {
    StringBuilder sb = new StringBuilder();
    for (String p : parts) {
      if (!p.isEmpty()) {
        if (!sb.isEmpty()) {
          sb.append(' ');
        }
        sb.append(p);
      }
    }
    return sb.toString();
  }
}
