package io.calyx.cli;

import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Datastore;
import io.calyx.ipam.Pool;
import io.calyx.ipam.Pools;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code calyxctl pool add CIDR [--block-size N]}. */
@Command(
    name = "add",
    description = "Add an IP pool; hosts claim blocks of --block-size from it.",
    footer = {"", "Examples:", "  calyxctl pool add 10.244.0.0/16", "  calyxctl pool add fd00:244::/64 --block-size 122"})
final class PoolAddCommand implements Callable<Integer> {
  @Parameters(paramLabel = "CIDR", description = "the pool network, e.g. 10.244.0.0/16")
  String cidr;

  @Option(names = "--block-size", paramLabel = "N", description = "prefix length of the blocks (default 26 for IPv4, 122 for IPv6)")
  Integer blockSize;

  @Mixin OutputOption output;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    IpPrefix prefix = IpPrefix.parseNetwork("CIDR", cidr);
    try (Datastore store = Etcd.open(CalyxCtl.global(spec))) {
      Pool pool = new Pools(store, Clock.systemUTC()).add(prefix, Optional.ofNullable(blockSize), Etcd.deadline());
      if (output.json()) {
        Json.print(spec.commandLine().getOut(), PoolListCommand.json(pool, 0));
      } else {
        spec.commandLine().getOut().println("added pool " + pool.cidr() + " (blocks of /" + pool.blockSize() + ")");
      }
    }
    return 0;
  }
}
