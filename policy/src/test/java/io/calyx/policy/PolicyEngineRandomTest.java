package io.calyx.policy;

import static io.calyx.policy.Fixtures.endpoint;
import static io.calyx.policy.Fixtures.handle;
import static io.calyx.policy.Fixtures.veth;
import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.core.GroupName;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.policy.Peer;
import io.calyx.core.policy.PortRange;
import io.calyx.core.policy.Profile;
import io.calyx.core.policy.Rule;
import io.calyx.policy.nft.InMemoryNftApplier;
import io.calyx.policy.render.Compiler;
import io.calyx.policy.render.LocalEndpoint;
import io.calyx.policy.render.Member;
import io.calyx.policy.render.Ruleset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Seeded random sequences of local adds and removes, remote membership changes, profile edits and
 * reconciles, against the in-memory nft (which refuses invalid batches as nft does). After every step the
 * applied model equals the ruleset computed from scratch from the test's own record of the inputs, the
 * "kernel" holds exactly that, and no batch was refused (a refused batch would show as a full replacement).
 * The seed is in every failure message.
 */
class PolicyEngineRandomTest {
  private static final String NODE = "h0";
  private static final List<Integer> PORTS = List.of(5051);
  private static final List<String> GROUPS = List.of("web", "db", "cache", "public", "ops");

  @RepeatedTest(8)
  void randomOperationsKeepKernelModelAndInputsEqual() {
    long seed = new Random().nextLong();
    InMemoryNftApplier nft = new InMemoryNftApplier();
    RandomOps ops = new RandomOps(seed, new PolicyEngine(NODE, PORTS, nft, ProfileLoader.DEFAULTS));
    for (int step = 0; step < 300; step++) {
      String ctx = ops.step();
      Ruleset expected = ops.expected();
      assertThat(nft.readTable()).as(ctx + ": the kernel holds the applied model").contains(expected.snapshot());
      for (String chain : expected.chainNames()) {
        assertThat(nft.rules(chain)).as(ctx + ": rules of " + chain).isEqualTo(expected.chain(chain).orElseThrow().rules());
      }
    }
    assertThat(ops.engine.repair()).as("seed " + seed).isEmpty();
  }

  /**
   * One random sequence: each {@link #step} makes one call on the engine, records the inputs the test
   * believes in, and checks the engine's models against them.
   */
  static final class RandomOps {
    final long seed;
    final Random r;
    final PolicyEngine engine;
    final Map<String, Endpoint> endpoints = new HashMap<>(); // the test's record, by key
    final Map<GroupName, Profile> profiles = new HashMap<>();
    long fulls;
    int step;

    RandomOps(long seed, PolicyEngine engine) {
      this.seed = seed;
      this.r = new Random(seed);
      this.engine = engine;
      engine.reconcile(List.of(), List.of());
      fulls = engine.stats().fullReplacements();
    }

    /** Makes one random call and checks the models; returns the context for messages. */
    String step() {
      String ctx = "seed " + seed + " step " + step++;
      int op = r.nextInt(100);
      if (op < 30) {
        int c = r.nextInt(12);
        Endpoint e = endpoint(NODE, "c" + c, veth(c), ips(r), groups(r));
        engine.endpointAdded(e);
        endpoints.put(e.key(), e);
      } else if (op < 45) {
        int c = r.nextInt(12);
        engine.endpointRemoved(handle("c" + c));
        endpoints.remove(Endpoint.key(NODE, handle("c" + c)));
      } else if (op < 70) {
        Endpoint e = endpoint("h" + (1 + r.nextInt(2)), "r" + r.nextInt(20), "eth0", ips(r), groups(r));
        engine.remoteEndpointChanged(e);
        endpoints.put(e.key(), e);
      } else if (op < 80) {
        String key = Endpoint.key("h" + (1 + r.nextInt(2)), handle("r" + r.nextInt(20)));
        engine.remoteEndpointRemoved(key);
        endpoints.remove(key);
      } else if (op < 92) {
        Profile p = profile(r);
        engine.profileChanged(p);
        profiles.put(p.name(), p);
      } else if (op < 97) {
        GroupName g = GroupName.of(GROUPS.get(r.nextInt(GROUPS.size())));
        engine.profileRemoved(g);
        profiles.remove(g);
      } else {
        assertThat(engine.reconcile(endpoints.values(), profiles.values())).as(ctx + ": reconcile finds no drift").isEmpty();
        fulls++;
      }
      assertThat(engine.stats().fullReplacements()).as(ctx + ": no batch was refused").isEqualTo(fulls);
      Ruleset expected = expected();
      assertThat(engine.model().applied()).as(ctx + ": applied == computed from scratch").isEqualTo(expected);
      assertThat(engine.model().desired()).as(ctx).isEqualTo(expected);
      return ctx;
    }

    Ruleset expected() {
      return PolicyEngineRandomTest.expected(endpoints, profiles);
    }
  }

  private static Ruleset expected(Map<String, Endpoint> endpoints, Map<GroupName, Profile> profiles) {
    List<LocalEndpoint> locals = new ArrayList<>();
    Map<String, Member> members = new HashMap<>();
    for (Endpoint e : endpoints.values()) {
      Member m = new Member(e.ips().stream().map(IpPrefix::address).toList(), e.groups());
      members.put(e.key(), m);
      if (e.node().equals(NODE)) {
        locals.add(new LocalEndpoint(e.hostVeth(), e.key(), m));
      }
    }
    return Compiler.full(locals, members, g -> Optional.ofNullable(profiles.get(g)), PORTS);
  }

  /** Addresses from a small pool, so that records share addresses (stale records) now and then. */
  private static List<String> ips(Random r) {
    List<String> out = new ArrayList<>();
    int n = 1 + r.nextInt(2);
    for (int i = 0; i < n; i++) {
      out.add(r.nextInt(4) == 0 ? "fd00::" + Integer.toHexString(1 + r.nextInt(20)) : "10.0.0." + (1 + r.nextInt(30)));
    }
    return out;
  }

  private static List<String> groups(Random r) {
    List<String> out = new ArrayList<>();
    int n = r.nextInt(10) == 0 ? 0 : 1 + r.nextInt(3);
    for (int i = 0; i < n; i++) {
      out.add(GROUPS.get(r.nextInt(GROUPS.size())));
    }
    return out;
  }

  private static Profile profile(Random r) {
    GroupName g = GroupName.of(GROUPS.get(r.nextInt(GROUPS.size())));
    return new Profile(g, rules(r), rules(r));
  }

  private static List<Rule> rules(Random r) {
    List<Rule> out = new ArrayList<>();
    int n = r.nextInt(4);
    for (int i = 0; i < n; i++) {
      Rule.Protocol proto = Rule.Protocol.values()[r.nextInt(4)];
      List<PortRange> ports = proto.hasPorts() && r.nextBoolean() ? List.of(PortRange.of(1 + r.nextInt(1000)), new PortRange(2000, 2000 + r.nextInt(100))) : List.of();
      Optional<Peer> source = switch (r.nextInt(3)) {
        case 0 -> Optional.empty();
        case 1 -> Optional.of(new Peer.Group(GroupName.of(GROUPS.get(r.nextInt(GROUPS.size())))));
        default -> Optional.of(new Peer.Nets(List.of(IpPrefix.parseNetwork("n", r.nextBoolean() ? "10.0.0.0/8" : "fd00::/16"))));
      };
      Optional<Peer> destination = r.nextInt(4) == 0 ? Optional.of(new Peer.Group(GroupName.of(GROUPS.get(r.nextInt(GROUPS.size()))))) : Optional.empty();
      out.add(new Rule(r.nextBoolean() ? Rule.Action.ALLOW : Rule.Action.DENY, proto, ports, source, destination));
    }
    return out;
  }
}
