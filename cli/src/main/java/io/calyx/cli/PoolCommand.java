package io.calyx.cli;

import picocli.CommandLine.Command;

/** {@code calyxctl pool}: manage IP pools. */
@Command(
    name = "pool",
    description = "Manage IP pools.",
    subcommands = {PoolAddCommand.class, PoolListCommand.class, PoolDeleteCommand.class})
final class PoolCommand implements Runnable {
  @Override
  public void run() {
    throw new UsageError("pool needs a subcommand: add, list or delete");
  }
}
