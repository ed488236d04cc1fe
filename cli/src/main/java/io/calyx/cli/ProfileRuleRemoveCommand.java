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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code calyxctl profile rule remove NAME --ingress|--egress (N | rule flags)}. */
@Command(
    name = "remove",
    description = "Remove one rule of a group profile: by its number in 'profile show', or by spelling it out.",
    footer = {"", "Examples:", "  calyxctl profile rule remove web --ingress 2",
        "  calyxctl profile rule remove web --ingress --protocol tcp --port 80,443 --from-group lb"})
final class ProfileRuleRemoveCommand implements Callable<Integer> {
  @Parameters(paramLabel = "NAME", index = "0", description = "the group whose profile to change")
  String name;

  @Parameters(paramLabel = "N", index = "1", arity = "0..1", description = "the rule's number (as 'profile show' numbers them)")
  Integer number;

  @Mixin RuleOptions rule;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    GroupName group = GroupName.of(name);
    if ((number == null) == !rule.spellsARule()) {
      throw new UsageError("give either the rule's number or the flags that spell it, not " + (number == null ? "neither" : "both"));
    }
    Rule spelled = number == null ? rule.toRule() : null;
    Rule[] removed = new Rule[1];
    int[] position = new int[1];
    try (Datastore store = Etcd.open(CalyxCtl.global(spec))) {
      ProfileEdit.apply(store, group, p -> {
        List<Rule> rules = new ArrayList<>(rule.ingress() ? p.ingress() : p.egress());
        int index = number != null ? number - 1 : rules.indexOf(spelled);
        if (number != null && (index < 0 || index >= rules.size())) {
          throw new UserError("profile " + group + " has no " + direction() + " rule " + number + " (it has " + rules.size() + ")");
        }
        if (index < 0) {
          throw new UserError("profile " + group + " has no " + direction() + " rule " + RuleText.describe(spelled) + " (calyxctl profile show " + group + ")");
        }
        removed[0] = rules.remove(index);
        position[0] = index + 1;
        return rule.ingress() ? new Profile(p.name(), rules, p.egress()) : new Profile(p.name(), p.ingress(), rules);
      }, g -> {
        throw new UserError("no profile " + g + " (calyxctl profile list)");
      }, Etcd.deadline());
    }
    spec.commandLine().getOut().println("removed " + direction() + " rule " + position[0] + " from profile " + group + ": "
        + RuleText.describe(removed[0]));
    return 0;
  }

  private String direction() {
    return rule.ingress() ? "ingress" : "egress";
  }
}
