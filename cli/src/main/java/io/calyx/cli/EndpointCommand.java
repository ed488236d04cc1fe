package io.calyx.cli;

import picocli.CommandLine.Command;

/** {@code calyxctl endpoint}: the container interfaces calyx wired. */
@Command(name = "endpoint", description = "Show the container interfaces calyx wired.", subcommands = {EndpointListCommand.class})
final class EndpointCommand implements Runnable {
  @Override
  public void run() {
    throw new UsageError("endpoint needs a subcommand: list");
  }
}
