package io.calyx.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code calyxctl uninstall}: removes what {@code calyxctl install} recorded in its manifest, and only what
 * is still as install left it; directories install created go when they are empty. Something changed
 * since is kept (and named) unless {@code --force}. Touches neither the install tree nor etcd.
 */
@Command(
    name = "uninstall",
    description = "Remove what 'calyxctl install' put on this host (plugin links, network configuration, agent unit).",
    footer = {"", "Stop the agent first (systemctl disable --now calyx-agent) and remove the Mesos agent flags.",
        "A file changed since it was installed is kept (exit 1, named) unless --force.",
        "", "Examples:", "  calyxctl uninstall --dry-run", "  calyxctl uninstall"})
final class UninstallCommand implements Callable<Integer> {
  @Option(names = "--manifest", paramLabel = "FILE", description = "the record install wrote (default: " + InstallCommand.MANIFEST + ")")
  Path manifest;

  @Option(names = "--force", description = "also remove files and links that changed since install")
  boolean force;

  @Option(names = "--dry-run", description = "print what would be removed and change nothing")
  boolean dryRun;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Path record = (manifest == null ? Path.of(InstallCommand.MANIFEST) : manifest).toAbsolutePath().normalize();
    if (!Files.exists(record)) {
      throw new UserError("nothing recorded in " + record + ": calyx was not installed with this manifest (see --manifest)");
    }
    InstallManifest installed = InstallManifest.read(record);
    PrintWriter out = spec.commandLine().getOut();
    String would = dryRun ? "would " : "";
    List<InstallManifest.Item> kept = new ArrayList<>();
    try {
      for (InstallManifest.Item item : installed.items().reversed()) {
        Path path = item.path();
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
          out.println("gone    " + path);
        } else if (item instanceof InstallManifest.Dir) {
          removeIfEmpty(path, out);
        } else if (item.isIntact() || force) {
          if (!dryRun) {
            Files.delete(path);
          }
          out.println(would + "remove  " + path);
        } else {
          kept.addFirst(item);
          out.println("kept    " + path + " (changed since install)");
        }
      }
      if (!dryRun) {
        new InstallManifest(kept).write(record);
      }
    } catch (IOException e) {
      throw new UserError("uninstall: " + InstallCommand.describe(e));
    }
    if (!kept.isEmpty()) {
      throw new UserError("kept " + kept.size() + " changed file(s), e.g. " + kept.getFirst().path()
          + ": remove them by hand or run again with --force");
    }
    out.println(dryRun ? "would remove " + record : "removed " + record);
    return 0;
  }

  private void removeIfEmpty(Path dir, PrintWriter out) throws IOException {
    if (dryRun) {
      out.println("would remove  " + dir + " (if empty by then)");
      return;
    }
    try (var entries = Files.list(dir)) {
      if (entries.findAny().isPresent()) {
        out.println("kept    " + dir + " (not empty)");
        return;
      }
    }
    try {
      Files.delete(dir);
      out.println("remove  " + dir);
    } catch (DirectoryNotEmptyException e) {
      out.println("kept    " + dir + " (not empty)");
    }
  }
}
