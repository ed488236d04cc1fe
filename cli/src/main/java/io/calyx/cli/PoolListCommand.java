package io.calyx.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.core.store.Datastore;
import io.calyx.ipam.IpamView;
import io.calyx.ipam.Pool;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code calyxctl pool list}. */
@Command(
    name = "list",
    description = "List the IP pools.",
    footer = {"", "Examples:", "  calyxctl pool list", "  calyxctl pool list -o json"})
final class PoolListCommand implements Callable<Integer> {
  @Mixin OutputOption output;

  @Spec CommandLine.Model.CommandSpec spec;

  static ObjectNode json(Pool pool, int blocks) {
    ObjectNode o = Json.object();
    o.put("cidr", pool.cidr().toString());
    o.put("block_size", pool.blockSize());
    o.put("disabled", pool.disabled());
    o.put("blocks_claimed", blocks);
    o.put("created", pool.created().toString());
    return o;
  }

  @Override
  public Integer call() {
    IpamView view;
    try (Datastore store = Etcd.open(CalyxCtl.global(spec))) {
      view = IpamView.read(store, Etcd.deadline());
    }
    if (output.json()) {
      ArrayNode out = Json.array();
      view.pools().forEach(p -> out.add(json(p.pool(), p.blocks().size())));
      Json.print(spec.commandLine().getOut(), out);
      return 0;
    }
    Table t = new Table("CIDR", "BLOCK SIZE", "BLOCKS", "STATE");
    view.pools().forEach(p -> t.row(p.pool().cidr(), "/" + p.pool().blockSize(), p.blocks().size(), p.pool().disabled() ? "disabled" : "enabled"));
    t.print(spec.commandLine().getOut());
    return 0;
  }
}
