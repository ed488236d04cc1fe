package io.calyx.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.core.net.IpAddress;
import io.calyx.core.store.Datastore;
import io.calyx.ipam.Allocation;
import io.calyx.ipam.Block;
import io.calyx.ipam.IpamView;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code calyxctl ipam show [--show-blocks] [--ip IP]}. */
@Command(
    name = "show",
    description = "Show utilisation per pool (and per block), or who holds one address.",
    footer = {"", "Examples:", "  calyxctl ipam show", "  calyxctl ipam show --show-blocks -o json", "  calyxctl ipam show --ip 10.244.3.17"})
final class IpamShowCommand implements Callable<Integer> {
  @Option(names = "--show-blocks", description = "also list every claimed block: its owner host, used and free addresses")
  boolean showBlocks;

  @Option(names = "--ip", paramLabel = "IP", description = "show whether IP is free or who holds it")
  String ip;

  @Mixin OutputOption output;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    IpAddress address = ip == null ? null : IpAddress.parse("--ip", ip);
    IpamView view;
    try (Datastore store = Etcd.open(CalyxCtl.global(spec))) {
      view = IpamView.read(store, Etcd.deadline());
    }
    PrintWriter out = spec.commandLine().getOut();
    if (address != null) {
      showIp(out, view, address);
    } else if (output.json()) {
      Json.print(out, poolsJson(view));
    } else {
      poolsTable(out, view);
    }
    return 0;
  }

  private ObjectNode poolsJson(IpamView view) {
    ObjectNode root = Json.object();
    ArrayNode pools = root.putArray("pools");
    for (IpamView.PoolView pv : view.pools()) {
      ObjectNode p = pools.addObject();
      p.put("cidr", pv.pool().cidr().toString());
      p.put("block_size", pv.pool().blockSize());
      p.put("size", pv.size());
      p.put("used", pv.used());
      p.put("free", pv.free());
      p.put("blocks_claimed", pv.blocks().size());
      if (showBlocks) {
        ArrayNode blocks = p.putArray("blocks");
        for (Block b : pv.blocks()) {
          blocks.addObject().put("cidr", b.cidr().toString()).put("owner", b.owner()).put("used", b.used()).put("free", b.free());
        }
      }
    }
    return root;
  }

  private void poolsTable(PrintWriter out, IpamView view) {
    Table t = new Table("POOL", "SIZE", "USED", "FREE", "USE%", "BLOCKS");
    for (IpamView.PoolView pv : view.pools()) {
      t.row(pv.pool().cidr(), Table.count(pv.size()), pv.used(), Table.count(pv.free()), Table.percent(pv.used(), pv.size()), pv.blocks().size());
    }
    t.print(out);
    if (showBlocks) {
      out.println();
      Table b = new Table("BLOCK", "OWNER", "USED", "FREE", "USE%");
      for (IpamView.PoolView pv : view.pools()) {
        for (Block block : pv.blocks()) {
          b.row(block.cidr(), block.owner(), block.used(), block.free(), Table.percent(block.used(), block.used() + block.free()));
        }
      }
      b.print(out);
    }
  }

  private void showIp(PrintWriter out, IpamView view, IpAddress address) {
    IpamView.Lookup lookup = view.lookup(address);
    if (output.json()) {
      ObjectNode o = Json.object();
      o.put("ip", address.toString());
      switch (lookup) {
        case IpamView.Lookup.NoPool n -> o.put("state", "no-pool");
        case IpamView.Lookup.Unclaimed u -> o.put("state", "free").put("pool", u.pool().cidr().toString());
        case IpamView.Lookup.Free f -> o.put("state", f.reserved() ? "reserved" : "free").put("block", f.block().cidr().toString())
            .put("node", f.block().owner());
        case IpamView.Lookup.Held h -> held(o.put("state", "allocated"), h);
      }
      Json.print(out, o);
      return;
    }
    out.println(switch (lookup) {
      case IpamView.Lookup.NoPool n -> address + " is not in any pool";
      case IpamView.Lookup.Unclaimed u -> address + " is free (pool " + u.pool().cidr() + ", no block claimed yet)";
      case IpamView.Lookup.Free f -> address + (f.reserved() ? " is reserved as the gateway of block " : " is free (block ")
          + f.block().cidr() + (f.reserved() ? "" : ")") + ", host " + f.block().owner();
      case IpamView.Lookup.Held h -> {
        Allocation a = h.allocation();
        yield address + " is allocated to container " + a.handle().containerId() + " (network " + a.handle().network()
            + ", interface " + a.handle().ifName() + ")" + h.record()
                .map(r -> " on node " + r.host() + " since " + r.since() + " by " + r.origin().text())
                .orElse(" in block " + h.block().cidr() + " of node " + h.block().owner()
                    + "; WARNING: its handle record is missing (calyxctl ipam check)");
      }
    });
  }

  private static void held(ObjectNode o, IpamView.Lookup.Held h) {
    Allocation a = h.allocation();
    o.put("block", h.block().cidr().toString());
    o.put("handle", a.handle().toString());
    o.put("container_id", a.handle().containerId().value());
    o.put("network", a.handle().network().value());
    o.put("interface", a.handle().ifName().value());
    o.put("node", h.record().map(r -> r.host()).orElse(h.block().owner()));
    h.record().ifPresent(r -> o.put("origin", r.origin().text()).put("since", r.since().toString()));
    o.put("handle_record", h.record().isPresent());
  }
}
