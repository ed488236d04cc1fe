package io.calyx.policy.nft;

import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An in-memory table {@code inet calyx} that checks every command the way nft and the kernel do (what
 * calyx relies on): objects must exist before they are used, deleting anything absent fails, a set or chain
 * still referenced cannot be deleted, and a refused command leaves the whole batch unapplied. For fast tests
 * of everything above the applier; the kernel tests check the same batches against the real thing.
 */
public final class InMemoryNftApplier implements NftApplier {
  private static final Pattern SET_REF = Pattern.compile("@([A-Za-z0-9_]+)");
  private static final Pattern CHAIN_REF = Pattern.compile("\\b(?:jump|goto) ([A-Za-z0-9_]+)");

  private State state;
  private final List<NftBatch> applied = new ArrayList<>();
  private String failMessage;
  private int failures;

  /** The table's content. */
  private static final class State {
    final Map<String, IpFamily> setFamilies = new HashMap<>();
    final Map<String, Set<IpAddress>> sets = new HashMap<>();
    final Map<String, Map<String, String>> maps = new HashMap<>();
    final Map<String, Optional<NftCommand.Hook>> hooks = new HashMap<>();
    final Map<String, List<String>> rules = new HashMap<>();

    State copy() {
      State s = new State();
      s.setFamilies.putAll(setFamilies);
      sets.forEach((k, v) -> s.sets.put(k, new HashSet<>(v)));
      maps.forEach((k, v) -> s.maps.put(k, new HashMap<>(v)));
      s.hooks.putAll(hooks);
      rules.forEach((k, v) -> s.rules.put(k, new ArrayList<>(v)));
      return s;
    }
  }

  @Override
  public synchronized void apply(NftBatch batch) {
    if (failures > 0) {
      failures--;
      throw new NftException("nft refused the batch", failMessage);
    }
    State s = state == null ? null : state.copy();
    for (NftCommand c : batch.commands()) {
      s = run(s, c);
    }
    state = s;
    applied.add(batch);
  }

  private static State run(State s, NftCommand c) {
    if (c instanceof NftCommand.AddTable) {
      return s == null ? new State() : s;
    }
    if (s == null) {
      throw refused(c, "No such file or directory (no table inet calyx)");
    }
    switch (c) {
      case NftCommand.DeleteTable d -> {
        return null;
      }
      case NftCommand.AddSet a -> {
        IpFamily f = s.setFamilies.get(a.name());
        if (s.maps.containsKey(a.name()) || (f != null && f != a.family())) {
          throw refused(c, "File exists");
        }
        s.setFamilies.put(a.name(), a.family());
        s.sets.putIfAbsent(a.name(), new HashSet<>());
      }
      case NftCommand.AddVerdictMap m -> {
        if (s.sets.containsKey(m.name())) {
          throw refused(c, "File exists");
        }
        s.maps.putIfAbsent(m.name(), new HashMap<>());
      }
      case NftCommand.DeleteSet d -> {
        if (!s.sets.containsKey(d.name())) {
          throw refused(c, "No such file or directory");
        }
        if (referencesSet(s, d.name())) {
          throw refused(c, "Device or resource busy");
        }
        s.sets.remove(d.name());
        s.setFamilies.remove(d.name());
      }
      case NftCommand.AddChain a -> {
        Optional<NftCommand.Hook> h = s.hooks.get(a.name());
        if (h != null && !h.equals(a.hook())) {
          throw refused(c, "File exists (chain exists with another hook)");
        }
        s.hooks.put(a.name(), a.hook());
        s.rules.putIfAbsent(a.name(), new ArrayList<>());
      }
      case NftCommand.FlushChain f -> requireChain(s, c, f.name()).clear();
      case NftCommand.DeleteChain d -> {
        requireChain(s, c, d.name());
        if (referencesChain(s, d.name())) {
          throw refused(c, "Device or resource busy");
        }
        s.hooks.remove(d.name());
        s.rules.remove(d.name());
      }
      case NftCommand.AddRule r -> {
        List<String> rules = requireChain(s, c, r.chain());
        Matcher m = SET_REF.matcher(r.body());
        while (m.find()) {
          if (!s.sets.containsKey(m.group(1)) && !s.maps.containsKey(m.group(1))) {
            throw refused(c, "No such file or directory (set " + m.group(1) + ")");
          }
        }
        m = CHAIN_REF.matcher(r.body());
        while (m.find()) {
          if (!s.hooks.containsKey(m.group(1))) {
            throw refused(c, "No such file or directory (chain " + m.group(1) + ")");
          }
        }
        rules.add(r.body());
      }
      case NftCommand.AddElements a -> {
        Set<IpAddress> set = requireSet(s, c, a.set());
        for (IpAddress ip : a.elements()) {
          if (ip.family() != s.setFamilies.get(a.set())) {
            throw refused(c, "wrong address family for set " + a.set());
          }
        }
        set.addAll(a.elements());
      }
      case NftCommand.DeleteElements d -> {
        Set<IpAddress> set = requireSet(s, c, d.set());
        for (IpAddress ip : d.elements()) {
          if (!set.remove(ip)) {
            throw refused(c, "No such file or directory (element " + ip + ")");
          }
        }
      }
      case NftCommand.AddMapElement a -> {
        Map<String, String> map = requireMap(s, c, a.map());
        if (!s.hooks.containsKey(a.chain())) {
          throw refused(c, "No such file or directory (chain " + a.chain() + ")");
        }
        String old = map.get(a.ifname());
        if (old != null && !old.equals(a.chain())) {
          throw refused(c, "File exists");
        }
        map.put(a.ifname(), a.chain());
      }
      case NftCommand.DeleteMapElement d -> {
        if (requireMap(s, c, d.map()).remove(d.ifname()) == null) {
          throw refused(c, "No such file or directory (element " + d.ifname() + ")");
        }
      }
      case NftCommand.AddTable a -> throw new AssertionError();
    }
    return s;
  }

  private static boolean referencesSet(State s, String set) {
    String ref = "@" + set;
    return s.rules.values().stream().flatMap(List::stream).anyMatch(r -> tokens(r).contains(ref));
  }

  private static boolean referencesChain(State s, String chain) {
    boolean byRule = s.rules.values().stream().flatMap(List::stream).anyMatch(r -> {
      Matcher m = CHAIN_REF.matcher(r);
      while (m.find()) {
        if (m.group(1).equals(chain)) {
          return true;
        }
      }
      return false;
    });
    return byRule || s.maps.values().stream().anyMatch(m -> m.containsValue(chain));
  }

  private static List<String> tokens(String rule) {
    return List.of(rule.split(" "));
  }

  private static List<String> requireChain(State s, NftCommand c, String name) {
    List<String> rules = s.rules.get(name);
    if (rules == null) {
      throw refused(c, "No such file or directory (chain " + name + ")");
    }
    return rules;
  }

  private static Set<IpAddress> requireSet(State s, NftCommand c, String name) {
    Set<IpAddress> set = s.sets.get(name);
    if (set == null) {
      throw refused(c, "No such file or directory (set " + name + ")");
    }
    return set;
  }

  private static Map<String, String> requireMap(State s, NftCommand c, String name) {
    Map<String, String> map = s.maps.get(name);
    if (map == null) {
      throw refused(c, "No such file or directory (map " + name + ")");
    }
    return map;
  }

  private static NftException refused(NftCommand c, String why) {
    return new NftException("nft refused the batch", "Error: Could not process rule: " + why + "\n" + c.text());
  }

  @Override
  public synchronized Optional<TableSnapshot> readTable() {
    if (state == null) {
      return Optional.empty();
    }
    Map<String, TableSnapshot.SetState> sets = new HashMap<>();
    state.sets.forEach((k, v) -> sets.put(k, new TableSnapshot.SetState(state.setFamilies.get(k), v)));
    Map<String, TableSnapshot.ChainState> chains = new HashMap<>();
    state.hooks.forEach((k, v) -> chains.put(k, new TableSnapshot.ChainState(v.map(NftCommand.Hook::hook), state.rules.get(k).size())));
    Map<String, Map<String, String>> maps = new HashMap<>();
    state.maps.forEach((k, v) -> maps.put(k, Map.copyOf(v)));
    return Optional.of(new TableSnapshot(sets, maps, chains));
  }

  /** The rules of a chain as applied (tests). */
  public synchronized List<String> rules(String chain) {
    return state == null || !state.rules.containsKey(chain) ? List.of() : List.copyOf(state.rules.get(chain));
  }

  /** Every batch applied successfully, in order. */
  public synchronized List<NftBatch> batches() {
    return List.copyOf(applied);
  }

  /** Makes the next {@code times} calls of {@link #apply} fail with {@code message} (as refused batches would). */
  public synchronized void failNext(int times, String message) {
    failures = times;
    failMessage = message;
  }

  /** Simulates someone running {@code nft delete table inet calyx} (drift). */
  public synchronized void deleteTable() {
    state = null;
  }

  /** Simulates someone running {@code nft flush chain inet calyx <chain>} (drift). */
  public synchronized void flushChain(String chain) {
    if (state != null && state.rules.containsKey(chain)) {
      state.rules.get(chain).clear();
    }
  }

  @Override
  public void close() {}
}
