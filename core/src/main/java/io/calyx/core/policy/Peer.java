package io.calyx.core.policy;

import io.calyx.core.GroupName;
import io.calyx.core.InvalidValueException;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The other side a {@link Rule} matches on: a list of networks, or the members of a group (on any host). */
public sealed interface Peer {
  /** The address families this peer can match. */
  Set<IpFamily> families();

  /**
   * One or more networks in CIDR form with host bits zero ({@code 10.0.0.0/8}, {@code fd00::/64}), of either
   * family; duplicates are removed.
   */
  record Nets(List<IpPrefix> nets) implements Peer {
    /** More would make one rule unreadable; split it into several rules. */
    public static final int MAX = 64;

    public Nets {
      if (nets == null || nets.isEmpty()) {
        throw new InvalidValueException("nets", "must list at least one network");
      }
      if (nets.size() > MAX) {
        throw new InvalidValueException("nets", "lists " + nets.size() + " networks; at most " + MAX + " per rule");
      }
      for (IpPrefix n : nets) {
        if (!n.isNetwork()) {
          throw new InvalidValueException("nets", n + " has host bits set; did you mean " + n.network() + "?");
        }
      }
      nets = List.copyOf(new LinkedHashSet<>(nets));
    }

    @Override
    public Set<IpFamily> families() {
      Set<IpFamily> f = EnumSet.noneOf(IpFamily.class);
      nets.forEach(n -> f.add(n.family()));
      return f;
    }

    /** The networks of one family, in the order given. */
    public List<IpPrefix> of(IpFamily family) {
      return nets.stream().filter(n -> n.family() == family).toList();
    }
  }

  /** The addresses of every endpoint in {@code group}, cluster-wide. */
  record Group(GroupName group) implements Peer {
    public Group {
      if (group == null) {
        throw new InvalidValueException("group", "missing");
      }
    }

    @Override
    public Set<IpFamily> families() {
      return EnumSet.allOf(IpFamily.class);
    }
  }
}
