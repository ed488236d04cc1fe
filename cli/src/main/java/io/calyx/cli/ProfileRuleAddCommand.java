package io.calyx.cli;

import io.calyx.core.GroupName;
import io.calyx.core.policy.Profile;
import io.calyx.core.policy.Rule;
import io.calyx.core.store.Datastore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code calyxctl profile rule add NAME --ingress|--egress [rule flags] [--at N]}. */
@Command(
    name = "add",
    description = "Add a rule to a group profile (created from its default if the group has none yet).",
    footer = {"", "Rules are evaluated in order and the first match decides: put deny rules before the",
        "allow rules they carve out of (--at 1).",
        "", "Examples:", "  calyxctl profile rule add web --ingress --protocol tcp --port 80,443 --from-group lb",
        "  calyxctl profile rule add web --ingress --protocol tcp --port 8000-8080 --from-net 10.0.0.0/8,fd00::/64",
        "  calyxctl profile rule add web --egress --action deny --to-net 169.254.169.254/32 --at 1"})
final class ProfileRuleAddCommand implements Callable<Integer> {
  @Parameters(paramLabel = "NAME", description = "the group whose profile to change")
  String name;

  @Mixin RuleOptions rule;

  @Option(names = "--at", paramLabel = "N", description = "insert as rule N (1 = first); default: append")
  Integer at;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    GroupName group = GroupName.of(name);
    Rule r = rule.toRule();
    int[] position = new int[1];
    try (Datastore store = Etcd.open(CalyxCtl.global(spec))) {
      ProfileEdit.apply(store, group, p -> {
        List<Rule> rules = new ArrayList<>(rule.ingress() ? p.ingress() : p.egress());
        int index = at == null ? rules.size() : at - 1;
        if (index < 0 || index > rules.size()) {
          throw new UserError("--at " + at + " is outside 1.." + (rules.size() + 1) + " (profile " + group + " has " + rules.size() + " "
              + direction() + " rule(s))");
        }
        rules.add(index, r);
        position[0] = index + 1;
        return rule.ingress() ? new Profile(p.name(), rules, p.egress()) : new Profile(p.name(), p.ingress(), rules);
      }, Profile::defaultFor, Etcd.deadline());
    }
    spec.commandLine().getOut().println("added " + direction() + " rule " + position[0] + " to profile " + group + ": " + RuleText.describe(r));
    return 0;
  }

  private String direction() {
    return rule.ingress() ? "ingress" : "egress";
  }
}
