package io.calyx.policy.render;

import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.policy.nft.NftCommand.Hook;
import io.calyx.policy.nft.TableSnapshot;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An in-memory model of table {@code inet calyx}: named address sets with their elements, chains with their
 * rules, and the two verdict maps. The engine keeps two: what is applied in the kernel and what is desired.
 * When a {@link Changes} is attached, every mutation records the key it touched, so a {@link Planner} can
 * render exactly the commands that turn the applied model into the desired one.
 */
public final class Ruleset {
  /** A chain: base chains have a hook. */
  public record Chain(Optional<Hook> hook, List<String> rules) {
    public Chain {
      rules = List.copyOf(rules);
    }
  }

  /** A set of addresses of one family. Elements are mutable; {@link Ruleset} owns them. */
  public record AddressSet(IpFamily family, Set<IpAddress> elements) {}

  final Map<String, AddressSet> sets = new HashMap<>();
  final Map<String, Chain> chains = new HashMap<>();
  final Map<String, Map<String, String>> maps = new HashMap<>();
  private Changes changes;

  public Ruleset() {
    maps.put(Names.MAP_IN, new HashMap<>());
    maps.put(Names.MAP_OUT, new HashMap<>());
  }

  /** Records every later mutation into {@code c} (null: stop recording). */
  void track(Changes c) {
    this.changes = c;
  }

  public Ruleset copy() {
    Ruleset r = new Ruleset();
    sets.forEach((k, v) -> r.sets.put(k, new AddressSet(v.family(), new HashSet<>(v.elements()))));
    r.chains.putAll(chains);
    maps.forEach((k, v) -> r.maps.put(k, new HashMap<>(v)));
    return r;
  }

  // ---- reading

  public Optional<AddressSet> set(String name) {
    return Optional.ofNullable(sets.get(name));
  }

  public Optional<Chain> chain(String name) {
    return Optional.ofNullable(chains.get(name));
  }

  public Map<String, String> map(String name) {
    return java.util.Collections.unmodifiableMap(maps.get(name));
  }

  public Set<String> setNames() {
    return java.util.Collections.unmodifiableSet(sets.keySet());
  }

  public Set<String> chainNames() {
    return java.util.Collections.unmodifiableSet(chains.keySet());
  }

  // ---- writing

  /** Creates an empty set (no-op when it exists). */
  void putSet(String name, IpFamily family) {
    if (!sets.containsKey(name)) {
      sets.put(name, new AddressSet(family, new HashSet<>()));
      if (changes != null) {
        changes.sets.add(name);
      }
    }
  }

  void removeSet(String name) {
    if (sets.remove(name) != null && changes != null) {
      changes.sets.add(name);
    }
  }

  void addElement(String set, IpAddress ip) {
    if (sets.get(set).elements().add(ip) && changes != null) {
      changes.element(set, ip);
    }
  }

  void removeElement(String set, IpAddress ip) {
    if (sets.get(set).elements().remove(ip) && changes != null) {
      changes.element(set, ip);
    }
  }

  void putChain(String name, Chain chain) {
    Chain old = chains.put(name, chain);
    if (!chain.equals(old) && changes != null) {
      changes.chains.add(name);
    }
  }

  void removeChain(String name) {
    if (chains.remove(name) != null && changes != null) {
      changes.chains.add(name);
    }
  }

  void putMapElement(String map, String ifname, String chain) {
    String old = maps.get(map).put(ifname, chain);
    if (!chain.equals(old) && changes != null) {
      changes.mapKeys.add(new MapKey(map, ifname));
    }
  }

  void removeMapElement(String map, String ifname) {
    if (maps.get(map).remove(ifname) != null && changes != null) {
      changes.mapKeys.add(new MapKey(map, ifname));
    }
  }

  /** The shape the kernel should report for this model (see {@link TableSnapshot}). */
  public TableSnapshot snapshot() {
    Map<String, TableSnapshot.SetState> s = new HashMap<>();
    sets.forEach((k, v) -> s.put(k, new TableSnapshot.SetState(v.family(), v.elements())));
    Map<String, Map<String, String>> m = new HashMap<>();
    maps.forEach((k, v) -> m.put(k, Map.copyOf(v)));
    Map<String, TableSnapshot.ChainState> c = new HashMap<>();
    chains.forEach((k, v) -> c.put(k, new TableSnapshot.ChainState(v.hook().map(Hook::hook), v.rules().size())));
    return new TableSnapshot(s, m, c);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ruleset r && sets.equals(r.sets) && chains.equals(r.chains) && maps.equals(r.maps);
  }

  @Override
  public int hashCode() {
    return chains.hashCode();
  }

  @Override
  public String toString() {
    return "Ruleset[" + sets.size() + " sets, " + chains.size() + " chains, " + maps.get(Names.MAP_IN).size() + " endpoints]";
  }

  /** A key of a verdict map. */
  record MapKey(String map, String ifname) {}

  /** The keys a sequence of mutations touched. */
  static final class Changes {
    final Set<String> sets = new HashSet<>();
    final Set<String> chains = new HashSet<>();
    final Map<String, Set<IpAddress>> elements = new HashMap<>();
    final Set<MapKey> mapKeys = new HashSet<>();

    void element(String set, IpAddress ip) {
      elements.computeIfAbsent(set, k -> new HashSet<>()).add(ip);
    }

    boolean isEmpty() {
      return sets.isEmpty() && chains.isEmpty() && elements.isEmpty() && mapKeys.isEmpty();
    }
  }
}
