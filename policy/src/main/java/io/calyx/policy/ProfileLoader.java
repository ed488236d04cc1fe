package io.calyx.policy;

import io.calyx.core.GroupName;
import io.calyx.core.policy.Profile;

/**
 * Supplies the profile of a group the engine has not seen yet, on its first use by a local endpoint. In the
 * agent: {@code g -> profiles.getOrCreate(g, deadline)} ({@link io.calyx.policy.store.Profiles}), which also
 * creates the stored profile on first use; in tests {@link #DEFAULTS}.
 */
@FunctionalInterface
public interface ProfileLoader {
  /** Every group gets {@link Profile#defaultFor}; nothing is stored. */
  ProfileLoader DEFAULTS = Profile::defaultFor;

  Profile load(GroupName group);
}
