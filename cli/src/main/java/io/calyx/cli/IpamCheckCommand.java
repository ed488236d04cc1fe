package io.calyx.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.core.Deadline;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.node.Node;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import io.calyx.ipam.IpamCheck;
import io.calyx.ipam.Keys;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code calyxctl ipam check}: reads pools, blocks, affinities, handle records, endpoints and nodes, and
 * reports what does not add up ({@link IpamCheck}). Exit status 0 when clean, 3 when it found problems.
 */
@Command(
    name = "check",
    description = "Cross-reference blocks, handles, endpoints and nodes; report leaked or inconsistent allocations.",
    footer = {"", "Reports (stable kind names, see docs/cli.md): invalid-document, leaked-allocation,",
        "endpoint-without-allocation, outside-pool, departed-node, duplicate-affinity, missing-affinity,",
        "handle-mismatch. Exit status 0 when clean, 3 when problems were found, 1 when etcd is unreachable.",
        "", "Examples:", "  calyxctl ipam check", "  calyxctl ipam check --grace 10m -o json",
        "  calyxctl ipam check || calyxctl ipam release --ip 10.244.3.17"})
final class IpamCheckCommand implements Callable<Integer> {
  /** The exit status when problems were found (CONTRACT.md). */
  static final int PROBLEMS = 3;
  /** From this many documents on, progress is shown even when stderr is not a terminal. */
  static final int LARGE = 20_000;
  /** Listing a large datastore takes longer than one ordinary call. */
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(15);

  /** When to show progress on stderr. */
  enum ProgressMode { auto, always, never }

  @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "2m", converter = DurationConverter.class,
      description = "allocations younger than this are not reported as leaked: an ADD may be in flight (default: ${DEFAULT-VALUE})")
  Duration grace;

  @Option(names = "--departed-after", paramLabel = "DURATION", defaultValue = "10m", converter = DurationConverter.class,
      description = "a node whose agent has not been alive for this long counts as departed (default: ${DEFAULT-VALUE})")
  Duration departedAfter;

  @Option(names = "--progress", paramLabel = "WHEN", defaultValue = "auto",
      description = "progress on stderr: auto (on a terminal, or from " + LARGE + " documents on), always or never (default: ${DEFAULT-VALUE})")
  ProgressMode progress;

  @Mixin OutputOption output;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    boolean terminal = System.console() != null && System.console().isTerminal();
    IpamCheck.Snapshot snapshot;
    try (Datastore store = Etcd.open(CalyxCtl.global(spec))) {
      Deadline deadline = Deadline.in(READ_TIMEOUT, Clock.systemUTC());
      snapshot = new IpamCheck.Snapshot(list(store, Keys.POOLS, deadline), list(store, Keys.BLOCKS, deadline),
          list(store, Keys.HANDLES, deadline), list(store, Keys.AFFINITIES, deadline), list(store, Endpoint.ROOT, deadline),
          list(store, Node.ROOT, deadline));
    }
    boolean show = switch (progress) {
      case always -> true;
      case never -> false;
      case auto -> terminal || snapshot.size() >= LARGE;
    };
    IpamCheck.Progress shown = show ? progressTo(err, terminal) : IpamCheck.Progress.NONE;
    IpamCheck.Report report = IpamCheck.check(snapshot,
        new IpamCheck.Settings(Instant.now(), grace, departedAfter), shown);
    print(spec.commandLine().getOut(), report);
    return report.clean() ? 0 : PROBLEMS;
  }

  private static List<KeyValue> list(Datastore store, String prefix, Deadline deadline) {
    return store.list(prefix, deadline).kvs();
  }

  /** On a terminal one line redrawn in place; elsewhere a line per tenth. */
  private static IpamCheck.Progress progressTo(PrintWriter err, boolean terminal) {
    int[] lastTenth = {-1};
    return (done, total) -> {
      if (terminal) {
        err.print("\rcalyxctl: checked " + done + "/" + total + " documents" + (done == total ? "\n" : ""));
        err.flush();
      } else if (done * 10L / total > lastTenth[0] || done == total) {
        lastTenth[0] = (int) (done * 10L / total);
        err.println("calyxctl: checked " + done + "/" + total + " documents");
      }
    };
  }

  private void print(PrintWriter out, IpamCheck.Report report) {
    if (output.json()) {
      ObjectNode root = Json.object();
      root.put("clean", report.clean());
      root.put("documents", report.documents());
      root.put("allocations", report.allocations());
      ArrayNode problems = root.putArray("problems");
      for (IpamCheck.Problem p : report.problems()) {
        problems.addObject().put("kind", p.kind().text()).put("subject", p.subject()).put("detail", p.detail());
      }
      Json.print(out, root);
      return;
    }
    if (report.clean()) {
      out.println("no problems: " + report.documents() + " documents and " + report.allocations() + " allocated address(es) checked");
      return;
    }
    Table t = new Table("KIND", "SUBJECT", "DETAIL");
    report.problems().forEach(p -> t.row(p.kind().text(), p.subject(), p.detail()));
    t.print(out);
    out.println();
    out.println(report.problems().size() + " problem(s) in " + report.documents() + " documents (" + report.allocations()
        + " allocated address(es))");
  }
}
