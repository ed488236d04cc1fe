package io.calyx.cli;

import io.calyx.core.GroupName;
import io.calyx.core.InvalidValueException;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.policy.Peer;
import io.calyx.core.policy.PortRange;
import io.calyx.core.policy.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The flags that spell one rule, shared by {@code profile rule add} and {@code remove}. Every value is
 * parsed into calyx's own types ({@link GroupName}, {@link IpPrefix}, {@link PortRange}): the rule that
 * reaches the datastore is built from those, never from the text as typed.
 *
 * <pre>
 * --action allow|deny  --protocol tcp|udp|icmp|any  --port 80,8000-8080
 * --from-group G | --from-net CIDR[,CIDR...]   --to-group G | --to-net CIDR[,CIDR...]
 * </pre>
 */
final class RuleOptions {
  /** Which list of the profile a rule belongs to. */
  static final class Direction {
    @Option(names = "--ingress", required = true, description = "a rule for traffic to the group's members")
    boolean ingress;

    @Option(names = "--egress", required = true, description = "a rule for traffic from the group's members")
    boolean egress;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Direction direction;

  @Option(names = "--action", paramLabel = "ACTION", defaultValue = "allow", description = "allow or deny (default: ${DEFAULT-VALUE})")
  Rule.Action action;

  @Option(names = "--protocol", paramLabel = "PROTO", defaultValue = "any", description = "tcp, udp, icmp or any (default: ${DEFAULT-VALUE})")
  Rule.Protocol protocol;

  @Option(names = "--port", paramLabel = "PORT[,PORT...]", split = ",",
      description = "destination ports or ranges (80, 8000-8080); needs --protocol tcp or udp")
  List<String> ports = new ArrayList<>();

  @Option(names = "--from-group", paramLabel = "GROUP", description = "source: the members of GROUP (anywhere in the cluster)")
  String fromGroup;

  @Option(names = "--from-net", paramLabel = "CIDR", split = ",", description = "source: these networks")
  List<String> fromNets = new ArrayList<>();

  @Option(names = "--to-group", paramLabel = "GROUP", description = "destination: the members of GROUP")
  String toGroup;

  @Option(names = "--to-net", paramLabel = "CIDR", split = ",", description = "destination: these networks")
  List<String> toNets = new ArrayList<>();

  boolean ingress() {
    return direction.ingress;
  }

  @Spec(Spec.Target.MIXEE) CommandLine.Model.CommandSpec mixee;

  /** True when any flag that spells a rule was given (as opposed to only a direction), defaults included. */
  boolean spellsARule() {
    CommandLine.ParseResult parsed = mixee.commandLine().getParseResult();
    return java.util.stream.Stream.of("--action", "--protocol", "--port", "--from-group", "--from-net", "--to-group", "--to-net")
        .anyMatch(parsed::hasMatchedOption);
  }

  /** The rule the flags spell; an invalid value is an {@link InvalidValueException} naming its flag. */
  Rule toRule() {
    List<PortRange> ranges = ports.stream().map(p -> PortRange.parse("--port", p.strip())).toList();
    try {
      return new Rule(action, protocol, ranges, peer("--from-group", fromGroup, "--from-net", fromNets),
          peer("--to-group", toGroup, "--to-net", toNets));
    } catch (InvalidValueException e) {
      // Rule names its fields (ports, destination): say it in flags.
      String problem = e.getMessage().substring(e.field().length() + 2);
      throw new InvalidValueException(switch (e.field()) {
        case "ports" -> "--port";
        case "destination" -> "--to-net";
        default -> e.field();
      }, problem);
    }
  }

  private static Optional<Peer> peer(String groupFlag, String group, String netFlag, List<String> nets) {
    if (group != null && !nets.isEmpty()) {
      throw new UsageError(groupFlag + " and " + netFlag + " exclude each other (one rule matches a group or networks)");
    }
    if (group != null) {
      try {
        return Optional.of(new Peer.Group(GroupName.of(group)));
      } catch (InvalidValueException e) {
        throw new InvalidValueException(groupFlag, e.getMessage().substring(e.field().length() + 2));
      }
    }
    if (nets.isEmpty()) {
      return Optional.empty();
    }
    List<IpPrefix> prefixes = nets.stream().map(n -> IpPrefix.parseNetwork(netFlag, n.strip())).toList();
    try {
      return Optional.of(new Peer.Nets(prefixes));
    } catch (InvalidValueException e) {
      throw new InvalidValueException(netFlag, e.getMessage().substring(e.field().length() + 2));
    }
  }
}
