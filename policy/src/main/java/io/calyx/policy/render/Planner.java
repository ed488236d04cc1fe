package io.calyx.policy.render;

import io.calyx.core.net.IpAddress;
import io.calyx.policy.nft.NftBatch;
import io.calyx.policy.nft.NftCommand;
import io.calyx.policy.render.Ruleset.AddressSet;
import io.calyx.policy.render.Ruleset.Chain;
import io.calyx.policy.render.Ruleset.Changes;
import io.calyx.policy.render.Ruleset.MapKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Turns the difference between the applied and the desired {@link Ruleset} into one nft batch. Incremental
 * batches look only at the keys a change touched and are ordered so that nft accepts them: objects are
 * created before anything refers to them and deleted after the last reference is gone (a chain still
 * jumped to, or a set still named by a rule, cannot be deleted), and only elements the applied model holds
 * are deleted (deleting an absent element fails the whole batch).
 */
public final class Planner {
  private Planner() {}

  /** The batch that replaces the whole table with {@code desired}, atomically. */
  public static NftBatch full(Ruleset desired) {
    List<NftCommand> out = new ArrayList<>();
    // "add" first makes the delete unconditional: one transaction whether or not the table exists.
    out.add(new NftCommand.AddTable());
    out.add(new NftCommand.DeleteTable());
    out.add(new NftCommand.AddTable());
    sorted(desired.sets.keySet()).forEach(name -> out.add(new NftCommand.AddSet(name, desired.sets.get(name).family())));
    desired.maps.keySet().stream().sorted().forEach(name -> out.add(new NftCommand.AddVerdictMap(name)));
    List<String> chains = sorted(desired.chains.keySet());
    chains.forEach(name -> out.add(new NftCommand.AddChain(name, desired.chains.get(name).hook())));
    chains.forEach(name -> desired.chains.get(name).rules().forEach(r -> out.add(new NftCommand.AddRule(name, r))));
    for (String name : sorted(desired.sets.keySet())) {
      List<IpAddress> elements = desired.sets.get(name).elements().stream().sorted().toList();
      if (!elements.isEmpty()) {
        out.add(new NftCommand.AddElements(name, elements));
      }
    }
    desired.maps.keySet().stream().sorted().forEach(map -> desired.maps.get(map).entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> out.add(new NftCommand.AddMapElement(map, e.getKey(), e.getValue()))));
    return new NftBatch(out);
  }

  /** The batch that applies the keys in {@code changes}: afterwards the kernel holds {@code desired} there. */
  static NftBatch incremental(Ruleset applied, Ruleset desired, Changes changes) {
    List<NftCommand> out = new ArrayList<>();
    List<String> sets = sorted(changes.sets);
    List<String> chains = sorted(changes.chains);
    // 1. declare new sets and chains, so that rules and map elements below can refer to them
    for (String s : sets) {
      if (desired.sets.containsKey(s) && !applied.sets.containsKey(s)) {
        out.add(new NftCommand.AddSet(s, desired.sets.get(s).family()));
      }
    }
    for (String c : chains) {
      if (desired.chains.containsKey(c) && !applied.chains.containsKey(c)) {
        out.add(new NftCommand.AddChain(c, desired.chains.get(c).hook()));
      }
    }
    // 2. elements to add: all of a new set's, the touched ones of a kept set
    for (String s : sets) {
      AddressSet d = desired.sets.get(s);
      if (d != null && !applied.sets.containsKey(s) && !d.elements().isEmpty()) {
        out.add(new NftCommand.AddElements(s, d.elements().stream().sorted().toList()));
      }
    }
    List<String> touched = sorted(elementKeys(changes));
    for (String s : touched) {
      AddressSet d = desired.sets.get(s);
      AddressSet a = applied.sets.get(s);
      if (d != null && a != null) {
        List<IpAddress> add = candidates(changes, s, a, d).stream().filter(ip -> d.elements().contains(ip) && !a.elements().contains(ip)).sorted().toList();
        if (!add.isEmpty()) {
          out.add(new NftCommand.AddElements(s, add));
        }
      }
    }
    // 3. chain contents
    for (String c : chains) {
      Chain d = desired.chains.get(c);
      Chain a = applied.chains.get(c);
      if (d != null && !d.equals(a)) {
        if (a != null && !a.rules().isEmpty()) {
          out.add(new NftCommand.FlushChain(c));
        }
        d.rules().forEach(r -> out.add(new NftCommand.AddRule(c, r)));
      }
    }
    // 4. verdict map elements: new or retargeted ones, then removed ones
    List<MapKey> keys = changes.mapKeys.stream().sorted(Comparator.comparing(MapKey::map).thenComparing(MapKey::ifname)).toList();
    for (MapKey k : keys) {
      String d = desired.maps.get(k.map()).get(k.ifname());
      String a = applied.maps.get(k.map()).get(k.ifname());
      if (d != null && !d.equals(a)) {
        if (a != null) {
          out.add(new NftCommand.DeleteMapElement(k.map(), k.ifname()));
        }
        out.add(new NftCommand.AddMapElement(k.map(), k.ifname(), d));
      } else if (d == null && a != null) {
        out.add(new NftCommand.DeleteMapElement(k.map(), k.ifname()));
      }
    }
    // 5. elements to delete from kept sets (a deleted set takes its elements with it)
    for (String s : touched) {
      AddressSet d = desired.sets.get(s);
      AddressSet a = applied.sets.get(s);
      if (d != null && a != null) {
        List<IpAddress> del = candidates(changes, s, a, d).stream().filter(ip -> !d.elements().contains(ip) && a.elements().contains(ip)).sorted().toList();
        if (!del.isEmpty()) {
          out.add(new NftCommand.DeleteElements(s, del));
        }
      }
    }
    // 6. chains no longer wanted, referrers first (endpoint chains jump to profile chains)
    chains.stream().filter(c -> !desired.chains.containsKey(c) && applied.chains.containsKey(c))
        .sorted(Comparator.comparingInt(Planner::level).thenComparing(Comparator.naturalOrder()))
        .forEach(c -> out.add(new NftCommand.DeleteChain(c)));
    // 7. sets no longer wanted: the chains naming them were rewritten or deleted above
    for (String s : sets) {
      if (!desired.sets.containsKey(s) && applied.sets.containsKey(s)) {
        out.add(new NftCommand.DeleteSet(s));
      }
    }
    return new NftBatch(out);
  }

  /** Makes {@code applied} equal {@code desired} on the keys in {@code changes} (after the batch succeeded). */
  static void commit(Ruleset applied, Ruleset desired, Changes changes) {
    for (String s : changes.sets) {
      AddressSet d = desired.sets.get(s);
      if (d == null) {
        applied.sets.remove(s);
      } else {
        applied.sets.put(s, new AddressSet(d.family(), new java.util.HashSet<>(d.elements())));
      }
    }
    changes.elements.forEach((s, ips) -> {
      AddressSet d = desired.sets.get(s);
      AddressSet a = applied.sets.get(s);
      if (d != null && a != null && !changes.sets.contains(s)) {
        for (IpAddress ip : ips) {
          if (d.elements().contains(ip)) {
            a.elements().add(ip);
          } else {
            a.elements().remove(ip);
          }
        }
      }
    });
    for (String c : changes.chains) {
      Chain d = desired.chains.get(c);
      if (d == null) {
        applied.chains.remove(c);
      } else {
        applied.chains.put(c, d);
      }
    }
    for (MapKey k : changes.mapKeys) {
      String d = desired.maps.get(k.map()).get(k.ifname());
      if (d == null) {
        applied.maps.get(k.map()).remove(k.ifname());
      } else {
        applied.maps.get(k.map()).put(k.ifname(), d);
      }
    }
  }

  /** Sets whose elements may differ: those with touched elements, and touched sets that exist on both sides. */
  private static java.util.Set<String> elementKeys(Changes changes) {
    java.util.Set<String> out = new java.util.HashSet<>(changes.elements.keySet());
    out.addAll(changes.sets);
    return out;
  }

  /** The elements to compare: all of both sides for a set that was itself touched, else the touched ones. */
  private static java.util.Set<IpAddress> candidates(Changes changes, String set, AddressSet applied, AddressSet desired) {
    if (changes.sets.contains(set)) {
      java.util.Set<IpAddress> all = new java.util.HashSet<>(applied.elements());
      all.addAll(desired.elements());
      return all;
    }
    return changes.elements.getOrDefault(set, java.util.Set.of());
  }

  /** Deletion order: endpoint chains refer to profile chains; base chains refer to endpoint chains via maps. */
  private static int level(String chain) {
    if (chain.startsWith("in_") || chain.startsWith("out_")) {
      return 1;
    }
    if (chain.startsWith("pi_") || chain.startsWith("po_")) {
      return 2;
    }
    return 0;
  }

  private static List<String> sorted(java.util.Collection<String> names) {
    return names.stream().sorted().toList();
  }
}
