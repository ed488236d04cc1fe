package io.calyx.core.policy;

import io.calyx.core.GroupName;
import io.calyx.core.InvalidValueException;
import io.calyx.core.net.IpFamily;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One rule of a {@link Profile}: when a packet matches the protocol, destination ports, source and
 * destination, the action decides it. An absent source or destination matches any address. Rules are
 * validated when built, so a rule that exists can always be rendered.
 *
 * @param action allow or deny
 * @param protocol tcp, udp, icmp (of the packet's family) or any
 * @param ports destination ports; only with tcp or udp; empty = any port
 * @param source where the packet comes from
 * @param destination where it goes to
 */
public record Rule(Action action, Protocol protocol, List<PortRange> ports, Optional<Peer> source, Optional<Peer> destination) {
  /** More would make one rule unreadable. */
  public static final int MAX_PORTS = 64;

  /** What a matching rule does. */
  public enum Action {
    ALLOW,
    DENY;

    public String text() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The protocol a rule matches. {@code ICMP} means ICMP for IPv4 and ICMPv6 for IPv6. */
  public enum Protocol {
    ANY,
    TCP,
    UDP,
    ICMP;

    public String text() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public boolean hasPorts() {
      return this == TCP || this == UDP;
    }
  }

  public Rule {
    if (action == null) {
      throw new InvalidValueException("action", "missing (allow or deny)");
    }
    protocol = protocol == null ? Protocol.ANY : protocol;
    ports = ports == null ? List.of() : List.copyOf(ports);
    source = source == null ? Optional.empty() : source;
    destination = destination == null ? Optional.empty() : destination;
    if (!ports.isEmpty() && !protocol.hasPorts()) {
      throw new InvalidValueException("ports", "ports need protocol tcp or udp, not " + protocol.text());
    }
    if (ports.size() > MAX_PORTS) {
      throw new InvalidValueException("ports", "lists " + ports.size() + " ports; at most " + MAX_PORTS + " per rule");
    }
    if (families(source, destination).isEmpty()) {
      throw new InvalidValueException("destination", "source and destination networks have no address family in common, so the rule can never match");
    }
  }

  /** Allows everything (the egress rule of every default profile, the ingress rule of {@code public}). */
  public static Rule allowAll() {
    return new Rule(Action.ALLOW, Protocol.ANY, List.of(), Optional.empty(), Optional.empty());
  }

  /** Allows everything from the members of {@code group}. */
  public static Rule allowFrom(GroupName group) {
    return new Rule(Action.ALLOW, Protocol.ANY, List.of(), Optional.of(new Peer.Group(group)), Optional.empty());
  }

  /**
   * The families this rule can match: those both peers can match (an absent peer matches both). Empty only
   * for contradictory peers, which the constructor refuses.
   */
  public Set<IpFamily> families() {
    return families(source, destination);
  }

  /** True when neither peer limits the address family (the rule is rendered once, without an address match). */
  public boolean familyAgnostic() {
    return source.isEmpty() && destination.isEmpty();
  }

  /** The groups this rule refers to: their member sets must exist wherever it is rendered. */
  public Set<GroupName> groups() {
    java.util.Set<GroupName> out = new java.util.LinkedHashSet<>();
    source.ifPresent(p -> {
      if (p instanceof Peer.Group g) {
        out.add(g.group());
      }
    });
    destination.ifPresent(p -> {
      if (p instanceof Peer.Group g) {
        out.add(g.group());
      }
    });
    return out;
  }

  private static Set<IpFamily> families(Optional<Peer> source, Optional<Peer> destination) {
    Set<IpFamily> f = EnumSet.allOf(IpFamily.class);
    source.ifPresent(p -> f.retainAll(p.families()));
    destination.ifPresent(p -> f.retainAll(p.families()));
    return f;
  }
}
