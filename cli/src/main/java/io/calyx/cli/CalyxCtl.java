package io.calyx.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * {@code calyxctl}: the operator CLI. Exit status 0 on success, 1 on a user error (one line on stderr),
 * 2 on a usage error (CONTRACT.md, "CLI"). Global options come before the command, {@code -o} after it.
 */
@Command(
    name = "calyxctl",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    subcommands = {PoolCommand.class, IpamCommand.class, EndpointCommand.class, ProfileCommand.class, NodeCommand.class, VersionCommand.class,
        AotTrainingCommand.class, InstallCommand.class, UninstallCommand.class},
    description = {"Inspect and repair calyx: pools, allocations, endpoints, profiles and nodes.", ""},
    footer = {"", "Examples:", "  calyxctl --etcd-endpoints http://10.0.0.10:2379 version", "  CALYX_ETCD_ENDPOINTS=http://10.0.0.10:2379 calyxctl version -o json"})
public final class CalyxCtl implements Runnable {
  @Mixin GlobalOptions global;

  @Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // gRPC and Vert.x log through java.util.logging: keep their chatter off stderr, where a user error is one line.
    java.util.logging.LogManager.getLogManager().reset();
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs one command line; returns the exit status. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = commandLine();
    // allow/ALLOW, tcp/TCP: enum values as operators type them.
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler((e, a) -> {
      err.println("calyxctl: " + e.getMessage());
      err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
      return 2;
    });
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      err.println("calyxctl: " + UserError.describe(e));
      return e instanceof UsageError ? 2 : 1;
    });
    return cli.execute(args);
  }

  /** The command tree, every command with {@code -h/--help} (picocli gives only the root one by default). */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new CalyxCtl());
    addHelp(cli);
    return cli;
  }

  private static void addHelp(CommandLine cmd) {
    CommandLine.Model.CommandSpec spec = cmd.getCommandSpec();
    if (spec.findOption("--help") == null) {
      spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
          .description("Show this help message and exit.").build());
    }
    cmd.getSubcommands().values().stream().distinct().forEach(CalyxCtl::addHelp);
  }

  /** The global options of the command line {@code spec} belongs to (they come before the command). */
  static GlobalOptions global(CommandLine.Model.CommandSpec spec) {
    return ((CalyxCtl) spec.root().userObject()).global;
  }

  /** No command given: a usage error. */
  @Override
  public void run() {
    throw new UsageError("no command given; try 'calyxctl --help'");
  }
}
