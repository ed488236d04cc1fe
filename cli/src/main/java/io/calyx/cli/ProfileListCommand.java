package io.calyx.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.calyx.core.GroupName;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.policy.Profile;
import io.calyx.core.store.Datastore;
import io.calyx.policy.store.Profiles;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code calyxctl profile list}: every stored group profile, its rule counts and how many endpoints are in the group. */
@Command(
    name = "list",
    description = "List the group profiles: rules per direction and member endpoints.",
    footer = {"", "A group's profile is created when its first container starts (ingress from the group's",
        "members, or from anywhere for 'public'; egress anywhere); operators edit it with 'profile rule'.",
        "", "Examples:", "  calyxctl profile list", "  calyxctl profile list -o json"})
final class ProfileListCommand implements Callable<Integer> {
  @Mixin OutputOption output;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Profiles.Listed listed;
    Map<GroupName, Integer> members = new HashMap<>();
    try (Datastore store = Etcd.open(CalyxCtl.global(spec))) {
      listed = new Profiles(store).list(Etcd.deadline());
      for (Endpoint e : EndpointRecords.read(store, Endpoint.ROOT, Etcd.deadline()).endpoints()) {
        e.groups().forEach(g -> members.merge(g, 1, Integer::sum));
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      ArrayNode arr = Json.array();
      for (Profile p : listed.profiles()) {
        arr.addObject().put("name", p.name().value()).put("ingress_rules", p.ingress().size()).put("egress_rules", p.egress().size())
            .put("members", members.getOrDefault(p.name(), 0));
      }
      Json.print(out, arr);
    } else {
      Table t = new Table("NAME", "INGRESS", "EGRESS", "MEMBERS");
      listed.profiles().forEach(p -> t.row(p.name(), p.ingress().size(), p.egress().size(), members.getOrDefault(p.name(), 0)));
      t.print(out);
    }
    listed.unreadable().forEach(u -> spec.commandLine().getErr().println("calyxctl: warning: " + u));
    return 0;
  }
}
