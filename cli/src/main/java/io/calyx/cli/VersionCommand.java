package io.calyx.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code calyxctl version}: the version of this calyxctl. */
@Command(
    name = "version",
    description = "Print the calyxctl version.",
    footer = {"", "Examples:", "  calyxctl version", "  calyxctl version -o json"})
final class VersionCommand implements Callable<Integer> {
  @Mixin OutputOption output;

  @Spec CommandLine.Model.CommandSpec spec;

  static String version() {
    String v = CalyxCtl.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    if (output.json()) {
      out.println("{\"version\":\"" + version() + "\"}");
    } else {
      out.println("calyxctl " + version());
    }
    return 0;
  }

  /** For {@code calyxctl --version}. */
  static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"calyxctl " + version()};
    }
  }
}
