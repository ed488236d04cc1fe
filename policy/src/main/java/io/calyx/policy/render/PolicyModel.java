package io.calyx.policy.render;

import io.calyx.core.GroupName;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.policy.Profile;
import io.calyx.policy.nft.NftBatch;
import io.calyx.policy.render.Ruleset.Changes;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The policy inputs (local endpoints, cluster membership, profiles) and the two rulesets derived from them:
 * the desired one, maintained incrementally as inputs change, and the applied one, what the kernel holds.
 * Every input change touches only the objects it affects and records them, so {@link #pendingBatch} is small
 * (an ADD is one endpoint's chains, its map elements and its addresses in its groups' sets; a remote
 * membership change is a few set elements). Not thread-safe: the engine serialises access.
 *
 * <p>What exists: a profile's chains exist while a local endpoint is in its group (its profile is
 * "active"); a group's member sets exist while an active profile refers to the group; they hold the
 * addresses of every member, local or remote.
 */
public final class PolicyModel {
  private final List<Integer> hostAllowPorts;
  private final Ruleset desired = new Ruleset();
  private Ruleset applied = new Ruleset();
  private Changes changes = new Changes();

  private final Map<String, LocalEndpoint> locals = new HashMap<>(); // by endpoint key
  private final Map<String, String> vethOwner = new HashMap<>(); // veth -> endpoint key
  private final Map<String, Member> members = new HashMap<>(); // by endpoint key, local ones included
  private final Map<GroupName, Profile> profiles = new HashMap<>(); // known profiles; others are default
  private final Map<GroupName, Map<IpAddress, Integer>> membership = new HashMap<>(); // group -> ip -> #members
  private final Map<GroupName, Integer> profileUsers = new HashMap<>(); // group -> #local endpoints
  private final Map<GroupName, Integer> setUsers = new HashMap<>(); // group -> #active profiles naming it
  private final Map<String, GroupName> hashes = new HashMap<>();

  public PolicyModel(Collection<Integer> hostAllowPorts) {
    this.hostAllowPorts = List.copyOf(hostAllowPorts);
    Compiler.baseChains(this.hostAllowPorts).forEach(desired::putChain);
    desired.track(changes);
  }

  // ---- inputs

  /** Adds or replaces a local endpoint (a retried ADD may change its groups or addresses). */
  public void putLocal(LocalEndpoint l) {
    checkHashes(l.member().groups());
    String other = vethOwner.get(l.veth());
    if (other != null && !other.equals(l.key())) {
      removeLocal(other);
    }
    LocalEndpoint old = locals.put(l.key(), l);
    vethOwner.put(l.veth(), l.key());
    putMember(l.key(), l.member());
    // Activate new profiles before releasing old ones: a profile kept must never be deleted and re-created.
    l.member().groups().forEach(this::useProfile);
    if (old != null) {
      old.member().groups().forEach(this::releaseProfile);
      if (!old.veth().equals(l.veth())) {
        vethOwner.remove(old.veth());
        removeEndpointChains(old.veth());
      }
    }
    desired.putChain(Names.endpointIngress(l.veth()), Compiler.endpointIngress(l.member()));
    desired.putChain(Names.endpointEgress(l.veth()), Compiler.endpointEgress(l.member()));
    desired.putMapElement(Names.MAP_IN, l.veth(), Names.endpointIngress(l.veth()));
    desired.putMapElement(Names.MAP_OUT, l.veth(), Names.endpointEgress(l.veth()));
  }

  /** Removes a local endpoint with everything that exists only for it; unknown keys are ignored. */
  public Optional<LocalEndpoint> removeLocal(String key) {
    LocalEndpoint l = locals.remove(key);
    if (l == null) {
      return Optional.empty();
    }
    vethOwner.remove(l.veth());
    removeEndpointChains(l.veth());
    l.member().groups().forEach(this::releaseProfile);
    removeMember(key);
    return Optional.of(l);
  }

  private void removeEndpointChains(String veth) {
    desired.removeMapElement(Names.MAP_IN, veth);
    desired.removeMapElement(Names.MAP_OUT, veth);
    desired.removeChain(Names.endpointIngress(veth));
    desired.removeChain(Names.endpointEgress(veth));
  }

  /** Adds or replaces the membership of an endpoint anywhere in the cluster. */
  public Optional<Member> putMember(String key, Member m) {
    checkHashes(m.groups());
    Member old = members.put(key, m);
    Set<Pair> before = pairs(old);
    Set<Pair> after = pairs(m);
    for (Pair p : after) {
      if (!before.contains(p)) {
        countMember(p.group(), p.ip(), +1);
      }
    }
    for (Pair p : before) {
      if (!after.contains(p)) {
        countMember(p.group(), p.ip(), -1);
      }
    }
    return Optional.ofNullable(old);
  }

  /** Removes the membership of an endpoint; unknown keys are ignored. */
  public Optional<Member> removeMember(String key) {
    Member old = members.remove(key);
    pairs(old).forEach(p -> countMember(p.group(), p.ip(), -1));
    return Optional.ofNullable(old);
  }

  /** Sets the profile of a group (an operator's edit, or the stored profile at start). */
  public Optional<Profile> putProfile(Profile p) {
    Set<GroupName> named = new LinkedHashSet<>(p.referencedGroups());
    named.add(p.name());
    checkHashes(named);
    Profile before = profileOf(p.name());
    Profile old = profiles.put(p.name(), p);
    swapProfile(before, p);
    return Optional.ofNullable(old);
  }

  /** Forgets a group's stored profile: it falls back to {@link Profile#defaultFor}. */
  public Optional<Profile> removeProfile(GroupName g) {
    Profile before = profileOf(g);
    Profile old = profiles.remove(g);
    swapProfile(before, profileOf(g));
    return Optional.ofNullable(old);
  }

  private void swapProfile(Profile before, Profile after) {
    if (profileUsers.getOrDefault(after.name(), 0) == 0) {
      return;
    }
    after.referencedGroups().forEach(this::useSet);
    desired.putChain(Names.profileIngress(after.name()), Compiler.profileIngress(after));
    desired.putChain(Names.profileEgress(after.name()), Compiler.profileEgress(after));
    before.referencedGroups().forEach(this::releaseSet);
  }

  public Profile profileOf(GroupName g) {
    Profile p = profiles.get(g);
    return p != null ? p : Profile.defaultFor(g);
  }

  /** Whether the model knows a stored profile for {@code g} (else it uses the default). */
  public boolean knowsProfile(GroupName g) {
    return profiles.containsKey(g);
  }

  // ---- reference counting

  private void useProfile(GroupName g) {
    if (profileUsers.merge(g, 1, Integer::sum) == 1) {
      Profile p = profileOf(g);
      p.referencedGroups().forEach(this::useSet);
      desired.putChain(Names.profileIngress(g), Compiler.profileIngress(p));
      desired.putChain(Names.profileEgress(g), Compiler.profileEgress(p));
    }
  }

  private void releaseProfile(GroupName g) {
    int n = profileUsers.merge(g, -1, Integer::sum);
    if (n == 0) {
      profileUsers.remove(g);
      desired.removeChain(Names.profileIngress(g));
      desired.removeChain(Names.profileEgress(g));
      profileOf(g).referencedGroups().forEach(this::releaseSet);
    }
  }

  private void useSet(GroupName g) {
    if (setUsers.merge(g, 1, Integer::sum) == 1) {
      String v4 = Names.memberSet(g, IpFamily.V4);
      String v6 = Names.memberSet(g, IpFamily.V6);
      desired.putSet(v4, IpFamily.V4);
      desired.putSet(v6, IpFamily.V6);
      membership.getOrDefault(g, Map.of()).keySet().forEach(ip -> desired.addElement(ip.family() == IpFamily.V4 ? v4 : v6, ip));
    }
  }

  private void releaseSet(GroupName g) {
    int n = setUsers.merge(g, -1, Integer::sum);
    if (n == 0) {
      setUsers.remove(g);
      desired.removeSet(Names.memberSet(g, IpFamily.V4));
      desired.removeSet(Names.memberSet(g, IpFamily.V6));
    }
  }

  /** Counts a member address of a group (several endpoints may claim one address, e.g. a stale record). */
  private void countMember(GroupName g, IpAddress ip, int delta) {
    Map<IpAddress, Integer> ips = membership.computeIfAbsent(g, k -> new HashMap<>());
    int n = ips.merge(ip, delta, Integer::sum);
    boolean active = setUsers.containsKey(g);
    if (n == 0) {
      ips.remove(ip);
      if (ips.isEmpty()) {
        membership.remove(g);
      }
      if (active) {
        desired.removeElement(Names.memberSet(g, ip.family()), ip);
      }
    } else if (n == 1 && delta > 0 && active) {
      desired.addElement(Names.memberSet(g, ip.family()), ip);
    }
  }

  private record Pair(GroupName group, IpAddress ip) {}

  private static Set<Pair> pairs(Member m) {
    if (m == null) {
      return Set.of();
    }
    Set<Pair> out = new LinkedHashSet<>();
    for (GroupName g : m.groups()) {
      m.ips().forEach(ip -> out.add(new Pair(g, ip)));
    }
    return out;
  }

  /**
   * Refuses a group whose name hash equals another group's (2^-64 per pair; it would merge the two
   * groups' sets and chains, so it is checked rather than assumed away). Checked before any mutation.
   */
  private void checkHashes(Collection<GroupName> groups) {
    for (GroupName g : groups) {
      GroupName seen = hashes.putIfAbsent(Names.hash(g), g);
      if (seen != null && !seen.equals(g)) {
        throw new IllegalStateException("groups " + seen + " and " + g + " have the same name hash; rename one of them");
      }
    }
  }

  // ---- applying

  /** True when inputs changed since the last {@link #markApplied}. */
  public boolean hasPending() {
    return !changes.isEmpty();
  }

  /** The commands that make the kernel (holding the applied ruleset) hold the desired one. */
  public NftBatch pendingBatch() {
    return Planner.incremental(applied, desired, changes);
  }

  /** Records that {@link #pendingBatch} was applied. */
  public void markApplied() {
    Planner.commit(applied, desired, changes);
    resetChanges();
  }

  /** The batch that replaces the whole table with the desired ruleset. */
  public NftBatch fullBatch() {
    return Planner.full(desired);
  }

  /** Records that {@link #fullBatch} was applied. */
  public void markFullyApplied() {
    applied = desired.copy();
    resetChanges();
  }

  private void resetChanges() {
    changes = new Changes();
    desired.track(changes);
  }

  // ---- views

  public Ruleset desired() {
    return desired;
  }

  public Ruleset applied() {
    return applied;
  }

  public Collection<LocalEndpoint> locals() {
    return java.util.Collections.unmodifiableCollection(locals.values());
  }

  public Optional<LocalEndpoint> local(String key) {
    return Optional.ofNullable(locals.get(key));
  }

  public Map<String, Member> members() {
    return java.util.Collections.unmodifiableMap(members);
  }

  public Map<GroupName, Profile> profiles() {
    return java.util.Collections.unmodifiableMap(profiles);
  }

  public List<Integer> hostAllowPorts() {
    return hostAllowPorts;
  }

  /** The desired ruleset computed from scratch from this model's inputs (a check of the incremental one). */
  public Ruleset recompute() {
    return Compiler.full(locals.values(), members, g -> Optional.ofNullable(profiles.get(g)), hostAllowPorts);
  }

  /** The groups with active profiles (tests and diagnostics). */
  public Set<GroupName> activeProfiles() {
    return new HashSet<>(profileUsers.keySet());
  }
}
