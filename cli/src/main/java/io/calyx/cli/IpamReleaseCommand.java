package io.calyx.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Compare;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.Op;
import io.calyx.ipam.AddressRelease;
import io.calyx.ipam.Allocation;
import io.calyx.ipam.Block;
import io.calyx.ipam.HandleRecord;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code calyxctl ipam release --ip IP [--force]}: frees one allocated address. The release is a
 * compare-and-swap on the block, the handle record and (without {@code --force}) the absence of the
 * holder's endpoint record, so neither an allocation nor an ADD that happens meanwhile is undone.
 */
@Command(
    name = "release",
    description = "Release one allocated address (e.g. one 'ipam check' reports as leaked).",
    footer = {"", "Refused while an endpoint record still holds the address (its container may still run):",
        "--force releases it anyway and deletes that endpoint record with it (the agent then removes the container's veth);",
        "the address can then be handed to another container.",
        "", "Examples:", "  calyxctl ipam release --ip 10.244.3.17", "  calyxctl ipam release --ip 10.244.3.17 --force -o json"})
final class IpamReleaseCommand implements Callable<Integer> {
  @Option(names = "--ip", paramLabel = "IP", required = true, description = "the address to release")
  String ip;

  @Option(names = "--force", description = "release even though an endpoint record still holds the address, deleting that record")
  boolean force;

  @Mixin OutputOption output;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    IpAddress address = IpAddress.parse("--ip", ip);
    Optional<Allocation> released;
    try (Datastore store = Etcd.open(CalyxCtl.global(spec))) {
      AddressRelease.Guard guard = force ? AddressRelease.Guard.NONE : (a, holder, record, block) -> noEndpoint(store, a, holder, record, block);
      // Forced: the holder's endpoint record goes in the same transaction, so no endpoint is left naming an
      // address another container may get; the agent's recovery then removes the veth that record named.
      AddressRelease.Alongside alongside = force
          ? (holder, record, block) -> List.of(Op.delete(Endpoint.key(holderNode(record, block), holder.handle())))
          : (holder, record, block) -> List.of();
      released = new AddressRelease(store).release(address, guard, alongside, Etcd.deadline());
    }
    if (released.isEmpty()) {
      throw new UserError(address + " is not allocated (calyxctl ipam show --ip " + address + ")");
    }
    PrintWriter out = spec.commandLine().getOut();
    Allocation a = released.get();
    if (output.json()) {
      ObjectNode o = Json.object().put("ip", address.toString()).put("released", true).put("handle", a.handle().toString())
          .put("container_id", a.handle().containerId().value()).put("network", a.handle().network().value())
          .put("interface", a.handle().ifName().value());
      Json.print(out, o);
    } else {
      out.println("released " + address + " (was held by container " + a.handle().containerId() + ", network " + a.handle().network()
          + ", interface " + a.handle().ifName() + ")");
    }
    return 0;
  }

  /** The node whose endpoint record the holder has: the handle record's host, else the block's owner. */
  private static String holderNode(Optional<HandleRecord> record, Block block) {
    return record.map(HandleRecord::host).orElse(block.owner());
  }

  /**
   * Refuses while any endpoint record lists the address or the holder's record exists on its node; the
   * holder's key must stay absent until the write, so an ADD finishing meanwhile makes the release retry
   * and then refuse.
   */
  private static List<Compare> noEndpoint(Datastore store, IpAddress ip, Allocation holder, Optional<HandleRecord> record, Block block) {
    String holderKey = Endpoint.key(holderNode(record, block), holder.handle());
    IpPrefix host = IpPrefix.host(ip);
    for (Endpoint e : EndpointRecords.read(store, Endpoint.ROOT, Etcd.deadline()).endpoints()) {
      if (e.key().equals(holderKey) || e.ips().contains(host)) {
        throw new UserError(ip + " belongs to the endpoint of container " + e.handle().containerId() + " (network " + e.handle().network()
            + ", interface " + e.handle().ifName() + ") on node " + e.node() + "; its container may still run: use --force to release it anyway");
      }
    }
    return List.of(Compare.absent(holderKey));
  }
}
