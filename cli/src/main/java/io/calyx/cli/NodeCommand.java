package io.calyx.cli;

import picocli.CommandLine.Command;

/** {@code calyxctl node}: the hosts running calyx. */
@Command(name = "node", description = "Show the hosts running calyx; remove a departed one.",
    subcommands = {NodeListCommand.class, NodeDeleteCommand.class})
final class NodeCommand implements Runnable {
  @Override
  public void run() {
    throw new UsageError("node needs a subcommand: list or delete");
  }
}
