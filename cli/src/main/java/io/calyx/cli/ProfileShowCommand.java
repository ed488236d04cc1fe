package io.calyx.cli;

import io.calyx.core.GroupName;
import io.calyx.core.policy.Profile;
import io.calyx.core.policy.Rule;
import io.calyx.core.store.Datastore;
import io.calyx.policy.store.ProfileCodec;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code calyxctl profile show NAME}: one profile's rules, numbered as {@code profile rule remove} takes them. */
@Command(
    name = "show",
    description = "Show one group profile: its ingress and egress rules, in the order they are evaluated.",
    footer = {"", "-o json prints the stored document (the format of docs/policy.md, 'Profile documents').",
        "", "Examples:", "  calyxctl profile show web", "  calyxctl profile show web -o json"})
final class ProfileShowCommand implements Callable<Integer> {
  @Parameters(paramLabel = "NAME", description = "the group")
  String name;

  @Mixin OutputOption output;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    GroupName group = GroupName.of(name);
    Profile profile;
    try (Datastore store = Etcd.open(CalyxCtl.global(spec))) {
      profile = ProfileEdit.read(store, group, Etcd.deadline())
          .orElseThrow(() -> new UserError("no profile " + group + " (calyxctl profile list)"));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      Json.print(out, ProfileCodec.toJson(profile));
      return 0;
    }
    out.println("Profile " + profile.name());
    rules(out, "Ingress (to members)", profile.ingress());
    rules(out, "Egress (from members)", profile.egress());
    return 0;
  }

  private static void rules(PrintWriter out, String title, List<Rule> rules) {
    out.println();
    out.println(title + ":");
    if (rules.isEmpty()) {
      out.println("  (no rules: nothing is allowed by this profile)");
      return;
    }
    Table t = new Table("#", "ACTION", "PROTOCOL", "PORTS", "SOURCE", "DESTINATION");
    for (int i = 0; i < rules.size(); i++) {
      t.row(RuleText.cells(i + 1, rules.get(i)));
    }
    t.print(out);
  }
}
