package io.calyx.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.core.GroupName;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Datastore;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code calyxctl endpoint list [--node N] [--network N] [--group G]}. */
@Command(
    name = "list",
    description = "One row per container interface: container id, node, network, interface, IPs, groups.",
    footer = {"", "Examples:", "  calyxctl endpoint list", "  calyxctl endpoint list --node agent-1 --group web -o json"})
final class EndpointListCommand implements Callable<Integer> {
  @Option(names = "--node", paramLabel = "NAME", description = "only this node's endpoints")
  String node;

  @Option(names = "--network", paramLabel = "NAME", description = "only this network's endpoints")
  String network;

  @Option(names = "--group", paramLabel = "GROUP", description = "only members of this group")
  String group;

  @Mixin OutputOption output;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (group != null) {
      GroupName.of(group); // an impossible group name is a typo, not an empty result
    }
    EndpointRecords records;
    try (Datastore store = Etcd.open(CalyxCtl.global(spec))) {
      records = EndpointRecords.read(store, Endpoint.ROOT + (node == null ? "" : node + "/"), Etcd.deadline());
    }
    List<Endpoint> shown = records.endpoints().stream()
        .filter(e -> network == null || e.handle().network().value().equals(network))
        .filter(e -> group == null || e.groups().stream().anyMatch(g -> g.value().equals(group)))
        .sorted(Comparator.comparing((Endpoint e) -> e.node()).thenComparing(e -> e.handle().toString()))
        .toList();
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      ArrayNode arr = Json.array();
      for (Endpoint e : shown) {
        ObjectNode o = arr.addObject();
        o.put("container_id", e.handle().containerId().value());
        o.put("node", e.node());
        o.put("network", e.handle().network().value());
        o.put("interface", e.handle().ifName().value());
        ArrayNode ips = o.putArray("ips");
        e.ips().forEach(ip -> ips.add(ip.toString()));
        ArrayNode groups = o.putArray("groups");
        e.groups().forEach(g -> groups.add(g.value()));
        o.put("host_veth", e.hostVeth());
        o.put("mac", e.mac());
        ObjectNode labels = o.putObject("labels");
        e.labels().forEach(labels::put);
        o.put("created", e.created().toString());
      }
      Json.print(out, arr);
    } else {
      Table t = new Table("CONTAINER", "NODE", "NETWORK", "INTERFACE", "IPS", "GROUPS");
      for (Endpoint e : shown) {
        t.row(e.handle().containerId(), e.node(), e.handle().network(), e.handle().ifName(),
            e.ips().stream().map(IpPrefix::toString).collect(Collectors.joining(",")),
            e.groups().stream().map(GroupName::value).collect(Collectors.joining(",")));
      }
      t.print(out);
    }
    if (!records.unreadable().isEmpty()) {
      spec.commandLine().getErr().println("calyxctl: warning: " + records.unreadable().size() + " unreadable endpoint record(s), e.g. "
          + records.unreadable().getFirst().key() + " (calyxctl ipam check)");
    }
    return 0;
  }
}
