package io.calyx.cli;

import picocli.CommandLine.Command;

/** {@code calyxctl ipam}: inspect and measure address management. */
@Command(
    name = "ipam",
    description = "Inspect address allocations.",
    subcommands = {IpamShowCommand.class, IpamCheckCommand.class, IpamReleaseCommand.class, IpamBenchCommand.class})
final class IpamCommand implements Runnable {
  @Override
  public void run() {
    throw new UsageError("ipam needs a subcommand: show, check, release or bench");
  }
}
