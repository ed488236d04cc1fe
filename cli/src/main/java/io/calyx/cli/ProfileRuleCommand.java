package io.calyx.cli;

import picocli.CommandLine.Command;

/** {@code calyxctl profile rule}: add or remove one rule of a profile. */
@Command(
    name = "rule",
    description = "Add or remove one rule of a group profile; agents apply the change live.",
    subcommands = {ProfileRuleAddCommand.class, ProfileRuleRemoveCommand.class})
final class ProfileRuleCommand implements Runnable {
  @Override
  public void run() {
    throw new UsageError("profile rule needs a subcommand: add or remove");
  }
}
