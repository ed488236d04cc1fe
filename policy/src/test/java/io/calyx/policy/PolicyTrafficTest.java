package io.calyx.policy;

import io.calyx.testkit.NetnsThreads;
import static io.calyx.policy.Fixtures.endpoint;
import static io.calyx.policy.Fixtures.handle;
import static io.calyx.policy.Fixtures.veth;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.calyx.core.GroupName;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.policy.Peer;
import io.calyx.core.policy.PortRange;
import io.calyx.core.policy.Profile;
import io.calyx.core.policy.Rule;
import io.calyx.policy.nft.LibnftablesApplier;
import io.calyx.policy.render.Names;
import io.calyx.testkit.Host;
import io.calyx.testkit.NetnsExtension;
import io.calyx.testkit.NetnsExtension.NetnsFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Real packets through real nftables (root): a simulated host namespace with containers wired as calyx
 * wires them, the engine applying through libnftables in the host namespace, and bounded TCP connects
 * between them. Each check runs right after the engine call returns: what the call promises is in force
 * by then.
 */
@ExtendWith(NetnsExtension.class)
class PolicyTrafficTest {
  private static final int APP = 8080;
  private static final int AGENT = 5051;
  private static final int SSH = 8022;
  private static final ObjectMapper JSON = new ObjectMapper();
  private Topology net;
  private LibnftablesApplier nft;
  private PolicyEngine engine;

  @BeforeEach
  void hostWithPolicy(NetnsFactory factory) {
    assumeTrue(LibnftablesApplier.isAvailable(), "needs libnftables.so.1 (Debian package nftables)");
    assumeTrue(Host.which("nft").isPresent(), "needs nft (Debian package nftables)");
    net = new Topology(factory);
    nft = LibnftablesApplier.open("nft-" + net.host.name(), net.host.name(), () -> NetnsThreads.enter(net.host));
    engine = new PolicyEngine("h0", List.of(AGENT), nft, ProfileLoader.DEFAULTS);
    engine.reconcile(List.of(), List.of());
  }

  @AfterEach
  void close() {
    if (nft != null) {
      nft.close();
    }
    if (net != null) {
      net.close();
    }
  }

  private Endpoint add(String name, int n, List<String> ips, String... groups) throws Exception {
    net.container(name, veth(n), ips.toArray(String[]::new));
    net.listen(name, APP);
    Endpoint e = endpoint("h0", name, veth(n), ips, List.of(groups));
    return e;
  }

  @Test
  void groupsPublicAndTheHost() throws Exception {
    net.listen("host", AGENT);
    net.listen("host", SSH);
    Endpoint a = add("a", 1, List.of("10.65.0.1", "fd00:65::1"), "web");
    Endpoint b = add("b", 2, List.of("10.65.0.2", "fd00:65::2"), "web");
    Endpoint c = add("c", 3, List.of("10.65.0.3"), "db");
    Endpoint d = add("d", 4, List.of("10.65.0.4"), "public");

    assertThat(net.blocked("a", "10.65.0.2", APP)).as("a container without policy is unreachable (fail closed)").isTrue();
    assertThat(net.reachable("host", "10.65.0.1", APP)).as("but its host reaches it").isTrue();
    engine.endpointAdded(a);
    engine.endpointAdded(b);
    assertThat(net.reachable("a", "10.65.0.2", APP)).as("same group, the moment ADD returns").isTrue();
    assertThat(net.reachable("b", "10.65.0.1", APP)).isTrue();
    assertThat(net.reachable("a", "fd00:65::2", APP)).as("same group over IPv6").isTrue();
    engine.endpointAdded(c);
    engine.endpointAdded(d);

    assertThat(net.blocked("c", "10.65.0.1", APP)).as("db -> web").isTrue();
    assertThat(net.blocked("a", "10.65.0.3", APP)).as("web -> db").isTrue();
    assertThat(net.reachable("a", "10.65.0.4", APP)).as("web -> public").isTrue();
    assertThat(net.reachable("c", "10.65.0.4", APP)).as("db -> public").isTrue();
    assertThat(net.blocked("d", "10.65.0.1", APP)).as("public -> web").isTrue();
    for (String ip : List.of("10.65.0.1", "10.65.0.2", "10.65.0.3", "10.65.0.4", "fd00:65::1")) {
      assertThat(net.reachable("host", ip, APP)).as("host -> its container " + ip).isTrue();
    }
    for (String from : List.of("a", "c", "d")) {
      assertThat(net.reachable(from, Topology.HOST_IP, AGENT)).as(from + " -> host on the agent port").isTrue();
      assertThat(net.blocked(from, Topology.HOST_IP, SSH)).as(from + " -> host on another port").isTrue();
    }
  }

  @Test
  void profileEditsApplyLiveAndRemovalLeavesNothing() throws Exception {
    Endpoint a = add("a", 1, List.of("10.65.0.1"), "web");
    Endpoint c = add("c", 3, List.of("10.65.0.3"), "db");
    net.listen("a", 9090);
    engine.endpointAdded(a);
    engine.endpointAdded(c);
    assertThat(net.blocked("c", "10.65.0.1", APP)).isTrue();

    GroupName web = GroupName.of("web");
    engine.profileChanged(new Profile(web, List.of(Rule.allowFrom(web), Rule.allowFrom(GroupName.of("db"))), List.of(Rule.allowAll())));
    assertThat(net.reachable("c", "10.65.0.1", APP)).as("db added to web's profile").isTrue();

    engine.profileChanged(new Profile(web, List.of(Rule.allowFrom(web),
        new Rule(Rule.Action.ALLOW, Rule.Protocol.TCP, List.of(PortRange.of(9090)),
            Optional.of(new Peer.Nets(List.of(IpPrefix.parseNetwork("n", "10.65.0.3/32")))), Optional.empty())), List.of(Rule.allowAll())));
    assertThat(net.reachable("c", "10.65.0.1", 9090)).as("a rule for one port from one address").isTrue();
    assertThat(net.blocked("c", "10.65.0.1", APP)).as("and no other port").isTrue();

    engine.profileChanged(new Profile(GroupName.of("db"), List.of(Rule.allowFrom(GroupName.of("db"))),
        List.of(new Rule(Rule.Action.DENY, Rule.Protocol.TCP, List.of(PortRange.of(9090)), Optional.empty(), Optional.empty()), Rule.allowAll())));
    assertThat(net.blocked("c", "10.65.0.1", 9090)).as("db's egress now denies 9090").isTrue();

    engine.endpointRemoved(handle("a"));
    engine.endpointRemoved(handle("c"));
    JsonNode table = JSON.readTree(net.host.exec("nft", "-j", "list", "table", "inet", "calyx").stdout());
    List<String> sets = new ArrayList<>();
    List<String> chains = new ArrayList<>();
    List<JsonNode> mapElements = new ArrayList<>();
    for (JsonNode item : table.path("nftables")) {
      item.path("set").path("name").asText("").transform(sets::add);
      if (item.has("chain")) {
        chains.add(item.get("chain").path("name").asText());
      }
      item.path("map").path("elem").forEach(mapElements::add);
    }
    sets.removeIf(String::isEmpty);
    assertThat(sets).as("no set left").isEmpty();
    assertThat(mapElements).as("no map element left").isEmpty();
    assertThat(chains).as("only the base chains").containsExactlyInAnyOrder(
        Names.BASE_EGRESS, Names.BASE_INGRESS, Names.BASE_INPUT, Names.ENDPOINT_TO_HOST);
    assertThat(table.toString()).doesNotContain("10.65.0.1", "10.65.0.3", veth(1), veth(3));
  }

  @Test
  void remoteMembersAreAdmittedByGroup() throws Exception {
    Endpoint a = add("a", 1, List.of("10.65.0.1"), "web");
    net.remote("r", "10.66.0.1");
    engine.endpointAdded(a);
    assertThat(net.blocked("r", "10.65.0.1", APP)).as("an address no web member has").isTrue();
    engine.remoteEndpointChanged(endpoint("h1", "r1", "cali99999999999", List.of("10.66.0.1"), List.of("web")));
    assertThat(net.reachable("r", "10.65.0.1", APP)).as("once a web record on another host claims it").isTrue();
    engine.remoteEndpointChanged(endpoint("h1", "r1", "cali99999999999", List.of("10.66.0.1"), List.of("db")));
    assertThat(net.blocked("r", "10.65.0.1", APP)).as("after it moved to db").isTrue();
    engine.remoteEndpointChanged(endpoint("h1", "r1", "cali99999999999", List.of("10.66.0.1"), List.of("web")));
    engine.remoteEndpointRemoved(Endpoint.key("h1", handle("r1")));
    assertThat(net.blocked("r", "10.65.0.1", APP)).as("after its record is gone").isTrue();
  }

  @Test
  void aFlushedTableIsRepaired() throws Exception {
    Endpoint a = add("a", 1, List.of("10.65.0.1"), "web");
    Endpoint c = add("c", 3, List.of("10.65.0.3"), "db");
    engine.endpointAdded(a);
    engine.endpointAdded(c);
    assertThat(net.host.exec("nft", "flush", "table", "inet", "calyx").exitCode()).isZero();
    assertThat(net.reachable("c", "10.65.0.1", APP)).as("someone flushed the rules: wide open").isTrue();
    assertThat(engine.repair()).isPresent();
    assertThat(net.blocked("c", "10.65.0.1", APP)).as("repaired").isTrue();
    assertThat(net.host.exec("nft", "delete", "table", "inet", "calyx").exitCode()).isZero();
    engine.endpointRemoved(handle("c"));
    assertThat(net.host.exec("nft", "list", "chain", "inet", "calyx", Names.endpointIngress(veth(1))).exitCode())
        .as("a DEL on a deleted table replaced the table").isZero();
  }
}
