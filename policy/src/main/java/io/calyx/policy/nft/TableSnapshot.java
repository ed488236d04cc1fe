package io.calyx.policy.nft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The shape of table {@code inet calyx} as read back from the kernel: which sets hold which addresses, what
 * the verdict maps map, and which chains exist with how many rules. Rule text is not compared (nft prints
 * rules normalised, not as they were written), so an edit that keeps a chain's rule count is not seen;
 * a flushed table, a deleted chain, set or element, or an added rule is.
 *
 * @param sets set name to its family and elements
 * @param maps verdict map name to interface name to target chain
 * @param chains chain name to its hook (empty for regular chains) and rule count
 */
public record TableSnapshot(Map<String, SetState> sets, Map<String, Map<String, String>> maps, Map<String, ChainState> chains) {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public TableSnapshot {
    sets = Map.copyOf(sets);
    maps = Map.copyOf(maps);
    chains = Map.copyOf(chains);
  }

  /** A set's family and elements. */
  public record SetState(IpFamily family, Set<IpAddress> elements) {
    public SetState {
      elements = Set.copyOf(elements);
    }
  }

  /** A chain's hook ({@code forward}, {@code input}; empty for a regular chain) and number of rules. */
  public record ChainState(Optional<String> hook, int rules) {}

  /**
   * Parses {@code nft -j list table inet calyx} output.
   *
   * @throws IllegalArgumentException when it is not nft's JSON or holds elements calyx never writes
   */
  public static TableSnapshot fromJson(String json) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("nft JSON output is unreadable: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
    }
    Map<String, SetState> sets = new HashMap<>();
    Map<String, Map<String, String>> maps = new HashMap<>();
    Map<String, Optional<String>> hooks = new HashMap<>();
    Map<String, Integer> rules = new HashMap<>();
    for (JsonNode item : root.path("nftables")) {
      if (item.has("set")) {
        JsonNode s = item.get("set");
        IpFamily family = switch (s.path("type").asText()) {
          case "ipv4_addr" -> IpFamily.V4;
          case "ipv6_addr" -> IpFamily.V6;
          default -> throw new IllegalArgumentException("set " + s.path("name").asText() + " has type " + s.path("type") + ", not an address type");
        };
        Set<IpAddress> elements = new HashSet<>();
        for (JsonNode e : s.path("elem")) {
          if (!e.isTextual()) {
            throw new IllegalArgumentException("set " + s.path("name").asText() + " holds a non-address element " + e);
          }
          elements.add(IpAddress.parse("elem", e.textValue()));
        }
        sets.put(s.path("name").asText(), new SetState(family, elements));
      } else if (item.has("map")) {
        JsonNode m = item.get("map");
        Map<String, String> entries = new HashMap<>();
        for (JsonNode e : m.path("elem")) {
          JsonNode verdict = e.path(1);
          String target = verdict.has("goto") ? verdict.path("goto").path("target").asText()
              : verdict.path("jump").path("target").asText("?");
          entries.put(e.path(0).asText(), target);
        }
        maps.put(m.path("name").asText(), entries);
      } else if (item.has("chain")) {
        JsonNode c = item.get("chain");
        hooks.put(c.path("name").asText(), c.has("hook") ? Optional.of(c.get("hook").asText()) : Optional.empty());
      } else if (item.has("rule")) {
        rules.merge(item.get("rule").path("chain").asText(), 1, Integer::sum);
      }
    }
    Map<String, ChainState> chains = new HashMap<>();
    hooks.forEach((name, hook) -> chains.put(name, new ChainState(hook, rules.getOrDefault(name, 0))));
    return new TableSnapshot(sets, maps, chains);
  }

  /** A one-line description of how this snapshot differs from {@code expected}; empty when it does not. */
  public Optional<String> differenceFrom(TableSnapshot expected) {
    for (var e : expected.sets.entrySet()) {
      SetState actual = sets.get(e.getKey());
      if (actual == null) {
        return Optional.of("set " + e.getKey() + " is missing");
      }
      if (!actual.equals(e.getValue())) {
        Set<IpAddress> missing = new HashSet<>(e.getValue().elements());
        missing.removeAll(actual.elements());
        Set<IpAddress> extra = new HashSet<>(actual.elements());
        extra.removeAll(e.getValue().elements());
        return Optional.of("set " + e.getKey() + " differs: " + missing.size() + " element(s) missing, " + extra.size() + " unexpected");
      }
    }
    for (String name : sets.keySet()) {
      if (!expected.sets.containsKey(name)) {
        return Optional.of("unexpected set " + name);
      }
    }
    for (var e : expected.maps.entrySet()) {
      if (!e.getValue().equals(maps.get(e.getKey()))) {
        return Optional.of("map " + e.getKey() + " differs");
      }
    }
    for (String name : maps.keySet()) {
      if (!expected.maps.containsKey(name)) {
        return Optional.of("unexpected map " + name);
      }
    }
    for (var e : expected.chains.entrySet()) {
      ChainState actual = chains.get(e.getKey());
      if (actual == null) {
        return Optional.of("chain " + e.getKey() + " is missing");
      }
      if (!actual.equals(e.getValue())) {
        return Optional.of("chain " + e.getKey() + " has " + actual.rules() + " rule(s)" + actual.hook().map(h -> " on hook " + h).orElse("")
            + ", expected " + e.getValue().rules() + e.getValue().hook().map(h -> " on hook " + h).orElse(""));
      }
    }
    for (String name : chains.keySet()) {
      if (!expected.chains.containsKey(name)) {
        return Optional.of("unexpected chain " + name);
      }
    }
    return Optional.empty();
  }
}
