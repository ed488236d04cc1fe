package io.calyx.core.policy;

import io.calyx.core.GroupName;
import io.calyx.core.InvalidValueException;
import java.util.List;

/**
 * The policy of one group, applied to every endpoint in that group. Ingress rules decide who may open
 * connections to a member, egress rules where a member may open connections to; within a list the first
 * matching rule decides, and a packet no rule matches is left to the endpoint's next profile (and dropped
 * when no profile allows it). Stored under {@code /calyx/v1/profiles/<name>} and created on first use as
 * {@link #defaultFor}.
 *
 * @param name the group
 * @param ingress rules for traffic to a member, in order
 * @param egress rules for traffic from a member, in order
 */
public record Profile(GroupName name, List<Rule> ingress, List<Rule> egress) {
  /** Calico's limit per direction. */
  public static final int MAX_RULES = 1024;

  public Profile {
    if (name == null) {
      throw new InvalidValueException("name", "missing");
    }
    ingress = List.copyOf(ingress);
    egress = List.copyOf(egress);
    if (ingress.size() > MAX_RULES || egress.size() > MAX_RULES) {
      throw new InvalidValueException("rules", "profile " + name + " has more than " + MAX_RULES + " rules in one direction");
    }
  }

  /**
   * The profile a group gets on first use, as calico-mesos made them: ingress from the group's own members
   * (for {@code public}: from anywhere), egress to anywhere.
   */
  public static Profile defaultFor(GroupName name) {
    Rule in = name.isPublic() ? Rule.allowAll() : Rule.allowFrom(name);
    return new Profile(name, List.of(in), List.of(Rule.allowAll()));
  }

  /** Every group this profile's rules refer to. */
  public java.util.Set<GroupName> referencedGroups() {
    java.util.Set<GroupName> out = new java.util.LinkedHashSet<>();
    ingress.forEach(r -> out.addAll(r.groups()));
    egress.forEach(r -> out.addAll(r.groups()));
    return out;
  }
}
