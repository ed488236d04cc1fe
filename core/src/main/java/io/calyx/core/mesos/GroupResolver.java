package io.calyx.core.mesos;

import io.calyx.core.GroupName;
import io.calyx.core.InvalidValueException;
import io.calyx.core.NetworkName;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides a container's policy groups (CONTRACT.md, "Groups and labels"): {@code network_info.groups}
 * when there are any; otherwise the comma-separated label {@value #GROUPS_LABEL}, read raw, before any
 * label sanitising; otherwise the network name. Every name must be a valid {@link GroupName}; an invalid
 * one is an error, never rewritten.
 */
public final class GroupResolver {
  /** The label Marathon 1.5+ apps use to name their groups (Marathon 1.5+ cannot send groups). */
  public static final String GROUPS_LABEL = "calyx.groups";

  private GroupResolver() {}

  /**
   * @throws InvalidValueException if a group name is invalid
   */
  public static List<GroupName> resolve(NetworkInfo info, NetworkName network) {
    if (!info.groups().isEmpty()) {
      return dedupe(info.groups(), "network_info.groups");
    }
    List<String> fromLabel = new ArrayList<>();
    for (Label label : info.labels()) {
      if (label.key().equals(GROUPS_LABEL)) {
        // The last occurrence wins, as for every duplicated label.
        fromLabel.clear();
        for (String part : label.value().orElse("").split(",", -1)) {
          String name = part.strip();
          if (!name.isEmpty()) {
            fromLabel.add(name);
          }
        }
      }
    }
    if (!fromLabel.isEmpty()) {
      return dedupe(fromLabel, "label " + GROUPS_LABEL);
    }
    return List.of(GroupName.of(network.value()));
  }

  private static List<GroupName> dedupe(List<String> raw, String source) {
    Set<GroupName> out = new LinkedHashSet<>();
    for (String name : raw) {
      try {
        out.add(GroupName.of(name));
      } catch (InvalidValueException e) {
        throw new InvalidValueException(source, e.getMessage().substring(e.field().length() + 2));
      }
    }
    return List.copyOf(out);
  }
}
