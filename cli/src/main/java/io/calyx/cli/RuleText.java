package io.calyx.cli;

import io.calyx.core.policy.Peer;
import io.calyx.core.policy.PortRange;
import io.calyx.core.policy.Rule;
import java.util.Optional;
import java.util.stream.Collectors;

/** How a rule reads in tables and messages: {@code allow tcp 80,8000-8080 from group web to any}. */
final class RuleText {
  private RuleText() {}

  static String ports(Rule r) {
    return r.ports().isEmpty() ? "any" : r.ports().stream().map(PortRange::toString).collect(Collectors.joining(","));
  }

  static String peer(Optional<Peer> p) {
    return p.map(x -> switch (x) {
      case Peer.Group g -> "group " + g.group().value();
      case Peer.Nets n -> n.nets().stream().map(Object::toString).collect(Collectors.joining(","));
    }).orElse("any");
  }

  /** The table cells: action, protocol, ports, source, destination. */
  static Object[] cells(int number, Rule r) {
    return new Object[] {number, r.action().text(), r.protocol().text(), ports(r), peer(r.source()), peer(r.destination())};
  }

  static String describe(Rule r) {
    return r.action().text() + " " + r.protocol().text() + (r.ports().isEmpty() ? "" : " port " + ports(r)) + " from " + peer(r.source())
        + " to " + peer(r.destination());
  }
}
