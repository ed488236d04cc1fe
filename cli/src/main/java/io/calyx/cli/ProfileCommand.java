package io.calyx.cli;

import picocli.CommandLine.Command;

/** {@code calyxctl profile}: group profiles (the policy of each group) and their rules. */
@Command(
    name = "profile",
    description = "Show group profiles and edit their rules.",
    subcommands = {ProfileListCommand.class, ProfileShowCommand.class, ProfileRuleCommand.class})
final class ProfileCommand implements Runnable {
  @Override
  public void run() {
    throw new UsageError("profile needs a subcommand: list, show or rule");
  }
}
