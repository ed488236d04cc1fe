package io.calyx.cli;

import io.calyx.core.node.Node;
import io.calyx.core.store.Datastore;
import io.calyx.ipam.NodeRemoval;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code calyxctl node delete NAME [--force]}: removes a departed host; every agent drops its routes. */
@Command(
    name = "delete",
    description = "Remove a departed host: its blocks are freed and every host drops its routes to them.",
    footer = {"", "Refused while the node's agent is alive or it still has endpoints or allocated addresses;",
        "--force removes them too (their addresses can then be handed out again).",
        "", "Examples:", "  calyxctl node delete agent-7", "  calyxctl node delete agent-7 --force"})
final class NodeDeleteCommand implements Callable<Integer> {
  @Parameters(paramLabel = "NAME", description = "the node to remove")
  String name;

  @Option(names = "--force", description = "also when its agent is alive or it still has endpoints or allocations")
  boolean force;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    NodeRemoval.Removed removed;
    try (Datastore store = Etcd.open(CalyxCtl.global(spec))) {
      removed = new NodeRemoval(store).remove(name, force, Instant.now(), Node.ALIVE_WITHIN, Etcd.deadline());
    }
    spec.commandLine().getOut().println("deleted node " + name + ": " + removed.blocks() + " block(s) freed, "
        + removed.endpoints() + " endpoint(s) and " + removed.allocations() + " allocation(s) removed");
    return 0;
  }
}
