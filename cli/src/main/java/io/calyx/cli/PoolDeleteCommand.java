package io.calyx.cli;

import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Datastore;
import io.calyx.ipam.Pools;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code calyxctl pool delete CIDR}: refuses a pool that still has allocations. */
@Command(
    name = "delete",
    description = "Delete an IP pool that has no allocated address (its empty blocks go with it).",
    footer = {"", "Examples:", "  calyxctl pool delete 10.244.0.0/16"})
final class PoolDeleteCommand implements Callable<Integer> {
  @Parameters(paramLabel = "CIDR", description = "the pool to delete")
  String cidr;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    IpPrefix prefix = IpPrefix.parseNetwork("CIDR", cidr);
    try (Datastore store = Etcd.open(CalyxCtl.global(spec))) {
      new Pools(store, Clock.systemUTC()).delete(prefix, Etcd.deadline());
    }
    spec.commandLine().getOut().println("deleted pool " + prefix);
    return 0;
  }
}
