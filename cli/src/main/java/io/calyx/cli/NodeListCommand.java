package io.calyx.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.node.Node;
import io.calyx.core.node.NodeCodec;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import io.calyx.ipam.Codec;
import io.calyx.ipam.Keys;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code calyxctl node list}: every node with its addresses, liveness, blocks and endpoints. */
@Command(
    name = "list",
    description = "List the hosts: their addresses, whether their agent is alive, their blocks and endpoints.",
    footer = {"", "A node is alive when its agent refreshed its record within the last 90 s. Routes do not",
        "depend on it: a node that is not alive keeps its blocks and routes until 'calyxctl node delete'.",
        "", "Examples:", "  calyxctl node list", "  calyxctl node list -o json"})
final class NodeListCommand implements Callable<Integer> {
  @Mixin OutputOption output;

  @Spec CommandLine.Model.CommandSpec spec;

  /** One node as shown: its record (absent for a host that holds blocks but never registered) and holdings. */
  record Row(String name, Optional<Node> node, List<IpPrefix> blocks, int endpoints) {}

  @Override
  public Integer call() {
    Map<String, Row> rows = new TreeMap<>();
    try (Datastore store = Etcd.open(CalyxCtl.global(spec))) {
      Map<String, Node> nodes = new TreeMap<>();
      for (KeyValue kv : store.list(Node.ROOT, Etcd.deadline()).kvs()) {
        try {
          Node n = NodeCodec.decode(kv.key(), kv.value());
          nodes.put(n.name(), n);
        } catch (IllegalArgumentException e) {
          spec.commandLine().getErr().println("calyxctl: warning: " + e.getMessage());
        }
      }
      Map<String, List<IpPrefix>> blocks = new TreeMap<>();
      for (KeyValue kv : store.list(Keys.AFFINITIES, Etcd.deadline()).kvs()) {
        var a = Codec.decodeAffinity(kv);
        blocks.computeIfAbsent(a.host(), h -> new ArrayList<>()).add(a.block());
      }
      Map<String, Integer> endpoints = new TreeMap<>();
      for (KeyValue kv : store.list(Endpoint.ROOT, Etcd.deadline()).kvs()) {
        String rest = kv.key().substring(Endpoint.ROOT.length());
        endpoints.merge(rest.substring(0, Math.max(0, rest.indexOf('/'))), 1, Integer::sum);
      }
      List<String> names = new ArrayList<>(nodes.keySet());
      blocks.keySet().stream().filter(n -> !nodes.containsKey(n)).forEach(names::add);
      for (String name : names) {
        rows.put(name, new Row(name, Optional.ofNullable(nodes.get(name)), blocks.getOrDefault(name, List.of()),
            endpoints.getOrDefault(name, 0)));
      }
    }
    print(List.copyOf(rows.values()), Instant.now());
    return 0;
  }

  private void print(List<Row> rows, Instant now) {
    if (output.json()) {
      ArrayNode arr = Json.array();
      for (Row r : rows) {
        ObjectNode o = arr.addObject();
        o.put("name", r.name());
        o.put("registered", r.node().isPresent());
        r.node().flatMap(Node::ipv4).ifPresent(ip -> o.put("ipv4", ip.toString()));
        r.node().flatMap(Node::ipv6).ifPresent(ip -> o.put("ipv6", ip.toString()));
        o.put("alive", r.node().map(n -> n.alive(now, Node.ALIVE_WITHIN)).orElse(false));
        r.node().ifPresent(n -> {
          o.put("heartbeat", n.heartbeat().toString());
          o.put("agent_version", n.agentVersion());
          o.put("started", n.started().toString());
        });
        ArrayNode b = o.putArray("blocks");
        r.blocks().forEach(p -> b.add(p.toString()));
        o.put("endpoints", r.endpoints());
      }
      Json.print(spec.commandLine().getOut(), arr);
      return;
    }
    Table t = new Table("NAME", "ADDRESSES", "ALIVE", "BLOCKS", "ENDPOINTS", "AGENT");
    for (Row r : rows) {
      String addresses = r.node().map(n -> java.util.stream.Stream.of(n.ipv4(), n.ipv6()).flatMap(Optional::stream)
          .map(Object::toString).collect(Collectors.joining(","))).orElse("");
      t.row(r.name(), addresses.isEmpty() ? "-" : addresses, liveness(r, now), r.blocks().size(), r.endpoints(),
          r.node().map(Node::agentVersion).orElse("-"));
    }
    t.print(spec.commandLine().getOut());
  }

  private static String liveness(Row r, Instant now) {
    if (r.node().isEmpty()) {
      return "unregistered";
    }
    long ago = Math.max(0, Duration.between(r.node().get().heartbeat(), now).toSeconds());
    return (r.node().get().alive(now, Node.ALIVE_WITHIN) ? "yes" : "no") + " (" + ago + " s ago)";
  }
}
