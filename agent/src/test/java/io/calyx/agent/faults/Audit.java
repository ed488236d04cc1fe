package io.calyx.agent.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.calyx.core.Deadline;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.endpoint.EndpointCodec;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.node.Node;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import io.calyx.ipam.IpamCheck;
import io.calyx.ipam.Keys;
import io.calyx.testkit.Commands;
import io.calyx.testkit.Netns;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The invariant audit every fault scenario ends with. Against the datastore and the kernel of each
 * simulated host it checks:
 *
 * <ol>
 *   <li>{@code calyxctl ipam check} is clean: the same {@link IpamCheck} unit over the same six listings,
 *       with no grace for young allocations (the audit runs when nothing is in flight, and an endpoint
 *       record rides in its allocation's transaction) and departed nodes not judged (a scenario's stopped
 *       agents are not departed hosts);
 *   <li>no address is held twice: by two endpoint records (on any hosts) or by two live containers;
 *   <li>per host: the {@code cali*} links are exactly the host veths of the node's endpoint records;
 *   <li>per host: calyx's {@code /32} ({@code /128}) routes (protocol 80, {@code dev cali*}) are exactly the
 *       endpoints' addresses through their veths;
 *   <li>per host: the nftables table {@code inet calyx} has per-endpoint chains ({@code in_}/{@code out_})
 *       and verdict-map elements only for the node's endpoints, and every group-set element is the address
 *       of an endpoint somewhere.
 * </ol>
 *
 * Each comparison counts as an invariant checked; each difference is one violation, named.
 */
final class Audit {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One simulated host: its node name and the namespace its agent wires. */
  record HostView(String node, Netns netns) {}

  /** The outcome: how many invariants were checked and what was violated. */
  record Result(long invariants, List<String> violations) {
    boolean clean() {
      return violations.isEmpty();
    }
  }

  private Audit() {}

  /**
   * Audits until clean or {@code within} has passed (the agent's reaper removes a veth just after DEL
   * answered, and a restarted agent's recovery runs in the background), and returns the last result.
   */
  static Result eventually(Datastore store, List<HostView> hosts, Map<String, String> liveAddresses, Duration within)
      throws InterruptedException {
    long until = System.nanoTime() + within.toNanos();
    long checked = 0;
    while (true) {
      Result r = once(store, hosts, liveAddresses);
      checked += r.invariants();
      if (r.clean() || System.nanoTime() > until) {
        return new Result(checked, r.violations());
      }
      Thread.sleep(250);
    }
  }

  /**
   * One audit. {@code liveAddresses}: container → the address its ADD returned, for the containers the
   * scenario believes live (each must be held by exactly that container).
   */
  static Result once(Datastore store, List<HostView> hosts, Map<String, String> liveAddresses) {
    List<String> violations = new ArrayList<>();
    long invariants = 0;
    Deadline d = Deadline.in(Duration.ofSeconds(20), Clock.systemUTC());
    IpamCheck.Snapshot snapshot = new IpamCheck.Snapshot(kvs(store, Keys.POOLS, d), kvs(store, Keys.BLOCKS, d),
        kvs(store, Keys.HANDLES, d), kvs(store, Keys.AFFINITIES, d), kvs(store, Endpoint.ROOT, d), kvs(store, Node.ROOT, d));
    IpamCheck.Report report = IpamCheck.check(snapshot, new IpamCheck.Settings(Instant.now(), Duration.ZERO, Duration.ofDays(365)),
        IpamCheck.Progress.NONE);
    invariants += report.allocations() + 1;
    report.problems().forEach(p -> violations.add("ipam check: " + p.kind().text() + " " + p.subject() + ": " + p.detail()));

    List<Endpoint> endpoints = new ArrayList<>();
    for (KeyValue kv : snapshot.endpoints()) {
      try {
        endpoints.add(EndpointCodec.decode(kv.key(), kv.value()));
      } catch (RuntimeException e) {
        // reported by ipam check as invalid-document
      }
    }
    Map<String, String> holder = new HashMap<>();
    Set<String> allAddresses = new HashSet<>();
    for (Endpoint e : endpoints) {
      for (IpPrefix ip : e.ips()) {
        invariants++;
        String a = ip.address().toString();
        allAddresses.add(a);
        String before = holder.put(a, e.handle().toString());
        if (before != null) {
          violations.add("duplicate address " + a + " in the endpoint records of " + before + " and " + e.handle());
        }
      }
    }
    Map<String, String> byAddress = new HashMap<>();
    liveAddresses.forEach((container, address) -> {
      String before = byAddress.put(address, container);
      if (before != null) {
        violations.add("duplicate address " + address + " given to live containers " + before + " and " + container);
      }
    });
    invariants += liveAddresses.size();

    for (HostView h : hosts) {
      List<Endpoint> local = endpoints.stream().filter(e -> e.node().equals(h.node())).toList();
      Set<String> veths = new TreeSet<>();
      Set<String> routes = new TreeSet<>();
      for (Endpoint e : local) {
        veths.add(e.hostVeth());
        e.ips().forEach(ip -> routes.add(ip.address() + " dev " + e.hostVeth()));
      }
      invariants += compare(violations, h.node() + ": cali links", veths, caliLinks(h.netns()));
      invariants += compare(violations, h.node() + ": calyx host routes", routes, hostRoutes(h.netns()));
      invariants += nft(violations, h, veths, allAddresses);
    }
    return new Result(invariants, violations);
  }

  private static List<KeyValue> kvs(Datastore store, String prefix, Deadline d) {
    return store.list(prefix, d).kvs();
  }

  /** Adds a violation per element in only one of the sets; returns the number of elements compared. */
  private static long compare(List<String> violations, String what, Set<String> expected, Set<String> actual) {
    Set<String> missing = new TreeSet<>(expected);
    missing.removeAll(actual);
    Set<String> extra = new TreeSet<>(actual);
    extra.removeAll(expected);
    missing.forEach(m -> violations.add(what + ": missing " + m));
    extra.forEach(x -> violations.add(what + ": orphan " + x));
    Set<String> union = new HashSet<>(expected);
    union.addAll(actual);
    return Math.max(1, union.size());
  }

  static Set<String> caliLinks(Netns ns) {
    Set<String> out = new TreeSet<>();
    for (JsonNode l : json(ns, "ip", "-j", "link", "show")) {
      String name = l.path("ifname").asText();
      if (name.startsWith("cali")) {
        out.add(name);
      }
    }
    return out;
  }

  /** calyx's routes through a veth: "ADDRESS dev VETH" (v4 and v6). */
  static Set<String> hostRoutes(Netns ns) {
    Set<String> out = new TreeSet<>();
    for (String family : List.of("-4", "-6")) {
      for (JsonNode r : json(ns, "ip", "-j", family, "route", "show", "proto", "80")) {
        String dev = r.path("dev").asText();
        if (dev.startsWith("cali")) {
          String dst = r.path("dst").asText();
          out.add((dst.contains("/") ? dst.substring(0, dst.indexOf('/')) : dst) + " dev " + dev);
        }
      }
    }
    return out;
  }

  private static long nft(List<String> violations, HostView h, Set<String> veths, Set<String> allAddresses) {
    Commands.Output out = h.netns().exec("nft", "-j", "list", "table", "inet", "calyx");
    Set<String> chains = new TreeSet<>();
    Set<String> mapKeys = new TreeSet<>();
    Set<String> setElements = new TreeSet<>();
    if (out.exitCode() == 0) {
      JsonNode all;
      try {
        all = JSON.readTree(out.stdout()).path("nftables");
      } catch (IOException e) {
        violations.add(h.node() + ": nft -j output is not JSON: " + e.getMessage());
        return 1;
      }
      for (JsonNode item : all) {
        String chain = item.path("chain").path("name").asText("");
        if (chain.startsWith("in_") || chain.startsWith("out_")) {
          chains.add(chain);
        }
        JsonNode map = item.path("map");
        if (map.isObject() && map.path("name").asText().startsWith("endpoints_")) {
          for (JsonNode e : map.path("elem")) {
            JsonNode key = e.isArray() ? e.get(0) : e;
            mapKeys.add(map.path("name").asText() + " " + elementText(key));
          }
        }
        JsonNode set = item.path("set");
        if (set.isObject() && set.path("name").asText().matches("g[46]_.*")) {
          for (JsonNode e : set.path("elem")) {
            setElements.add(elementText(e));
          }
        }
      }
    }
    Set<String> expectedChains = new TreeSet<>();
    Set<String> expectedKeys = new TreeSet<>();
    for (String v : veths) {
      expectedChains.add("in_" + v);
      expectedChains.add("out_" + v);
      expectedKeys.add("endpoints_in " + v);
      expectedKeys.add("endpoints_out " + v);
    }
    long n = compare(violations, h.node() + ": nft endpoint chains", expectedChains, chains);
    n += compare(violations, h.node() + ": nft verdict-map elements", expectedKeys, mapKeys);
    for (String e : setElements) {
      n++;
      if (!allAddresses.contains(e)) {
        violations.add(h.node() + ": nft group-set element " + e + " is no endpoint's address");
      }
    }
    return n;
  }

  /** An nft JSON element: a plain value, or {"elem": {"val": ...}} with timeouts/comments, or a prefix. */
  private static String elementText(JsonNode e) {
    if (e.isValueNode()) {
      return e.asText();
    }
    if (e.has("elem")) {
      return elementText(e.get("elem").path("val"));
    }
    if (e.has("prefix")) {
      return e.get("prefix").path("addr").asText() + "/" + e.get("prefix").path("len").asText();
    }
    return e.toString();
  }

  private static JsonNode json(Netns ns, String... command) {
    Commands.Output out = ns.exec(command);
    if (out.exitCode() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " in " + ns.name() + ": " + out.stderr());
    }
    try {
      return JSON.readTree(out.stdout().isBlank() ? "[]" : out.stdout());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
