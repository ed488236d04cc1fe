package io.calyx.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.calyx.core.Deadline;
import io.calyx.core.InvalidValueException;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.node.Node;
import io.calyx.core.node.NodeCodec;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.ipam.NodeRemoval;
import io.calyx.ipam.Pools;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import io.calyx.testkit.Fabric;
import io.calyx.testkit.Netns;
import io.calyx.testkit.NetnsExtension;
import io.calyx.testkit.NetnsExtension.NetnsFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three simulated hosts on one L2 segment (testkit {@link Fabric}), one real agent each, one etcd: block
 * routes between hosts carry real packets from container to container, survive an agent restart, and go
 * everywhere when a host is removed. Root only.
 */
@ExtendWith({EtcdExtension.class, NetnsExtension.class})
class MultiHostTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String POOL = "10.97.0.0/16";

  private Path dir;
  private Fabric fabric;
  private final Agent[] agents = new Agent[4];
  private String prefix;
  private Etcd etcd;
  private EtcdDatastore admin;
  private NetnsFactory netns;

  @BeforeEach
  void start(Etcd etcd, NetnsFactory factory) throws Exception {
    this.etcd = etcd;
    this.netns = factory;
    dir = Files.createTempDirectory(Path.of("/tmp"), "cmh");
    prefix = "mh-" + dir.getFileName().toString().substring(3) + "-";
    admin = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
    Cni.ensurePool(admin, POOL);
    fabric = Fabric.create(factory, 3);
    for (int i = 1; i <= 3; i++) {
      agents[i] = startAgent(i);
    }
  }

  private Agent startAgent(int i) throws Exception {
    return Agent.start(AgentConfig.validate(new AgentConfig.Raw(etcd.endpoint(), null, null, null, prefix + i,
        dir.resolve(i + ".sock").toString(), null, dir.resolve("state-" + i).toString(), null, null, null, false,
        fabric.host(i).netns().path().toString()), "x"));
  }

  @AfterEach
  void stop() throws Exception {
    for (Agent a : agents) {
      if (a != null) {
        a.close();
      }
    }
    admin.close();
    Cni.deleteTree(dir);
  }

  private String add(int host, String container, Netns target) {
    return Cni.ip4(Cni.call("ADD", container, target, "eth0",
        Cni.conf("mh-net", POOL, agents[host].config().socket(), "{\"name\":\"mh-net\"}")));
  }

  /** calyx's routes in a host's table: "blackhole DST" or "DST via GW". */
  private static List<String> calyxRoutes(Netns host) {
    List<String> out = new ArrayList<>();
    try {
      for (JsonNode r : JSON.readTree(host.exec("ip", "-j", "route", "show", "proto", "80").stdout())) {
        if ("blackhole".equals(r.path("type").asText())) {
          out.add("blackhole " + r.get("dst").asText());
        } else if (r.has("gateway")) {
          out.add(r.get("dst").asText() + " via " + r.get("gateway").asText());
        }
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static String blockOf(String ip, List<String> routes) {
    IpAddress a = IpAddress.parse("ip", ip);
    return routes.stream().map(r -> r.startsWith("blackhole ") ? r.substring(10) : r.substring(0, r.indexOf(' ')))
        .filter(dst -> IpPrefix.parseNetwork("dst", dst).contains(a)).findFirst().orElse("none");
  }

  @Test
  void containersTalkAcrossHostsThroughAnAgentRestartAndRoutesGoWithARemovedHost() throws Exception {
    Netns c1 = netns.create();
    Netns c2 = netns.create();
    Netns c3 = netns.create();
    String ip1 = add(1, "mh-c1", c1);
    String ip2 = add(2, "mh-c2", c2);
    String ip3 = add(3, "mh-c3", c3);
    Netns h1 = fabric.host(1).netns();
    Netns h2 = fabric.host(2).netns();

    assertThat(Cni.eventually(20, () -> Cni.ping(c1, ip2) && Cni.ping(c2, ip3) && Cni.ping(c3, ip1)))
        .as("containers on three hosts reach each other").isTrue();
    List<String> routes1 = calyxRoutes(h1);
    String block1 = blockOf(ip1, routes1);
    String block2 = blockOf(ip2, routes1);
    String block3 = blockOf(ip3, routes1);
    assertThat(routes1).contains("blackhole " + block1, block2 + " via 192.0.2.2", block3 + " via 192.0.2.3");
    assertThat(calyxRoutes(h2)).contains("blackhole " + block2, block1 + " via 192.0.2.1", block3 + " via 192.0.2.3");
    Node registered = NodeCodec.decode("n", admin.get(Node.key(prefix + 2), Cni.soon()).orElseThrow().value());
    assertThat(registered.ipv4()).as("host address found from the default route").contains(IpAddress.parse("ip", "192.0.2.2"));

    // The agent of host 1 stops: routes and containers stay; it comes back and wires new containers.
    agents[1].close();
    agents[1] = null;
    assertThat(Cni.ping(c2, ip1)).as("reachable while host 1's agent is down").isTrue();
    assertThat(calyxRoutes(h1)).contains("blackhole " + block1, block2 + " via 192.0.2.2");
    agents[1] = startAgent(1);
    Netns c4 = netns.create();
    String ip4 = add(1, "mh-c4", c4);
    assertThat(Cni.eventually(10, () -> Cni.ping(c2, ip4) && Cni.ping(c4, ip3))).as("a container added after the restart").isTrue();
    assertThat(Cni.ping(c1, ip2)).isTrue();

    // Host 3 leaves: its agent stops, the operator removes the node; its routes go everywhere.
    agents[3].close();
    agents[3] = null;
    NodeRemoval removal = new NodeRemoval(admin);
    assertThatThrownBy(() -> removal.remove(prefix + 3, false, Instant.now(), Node.ALIVE_WITHIN, Cni.soon()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("is alive");
    assertThatThrownBy(() -> removal.remove(prefix + 3, false, Instant.now().plus(Duration.ofMinutes(5)), Node.ALIVE_WITHIN, Cni.soon()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("1 endpoint(s) and 1 allocated address(es)");
    NodeRemoval.Removed removed = removal.remove(prefix + 3, true, Instant.now(), Node.ALIVE_WITHIN, Cni.soon());
    assertThat(removed.blocks()).isEqualTo(1);
    assertThat(removed.endpoints()).isEqualTo(1);
    assertThat(Cni.eventually(10, () -> !calyxRoutes(h1).toString().contains("192.0.2.3") && !calyxRoutes(h2).toString().contains("192.0.2.3")))
        .as("routes to the removed host are gone: " + calyxRoutes(h1) + calyxRoutes(h2)).isTrue();
    assertThat(Cni.ping(c1, ip3)).isFalse();
    assertThat(Cni.ping(c1, ip2)).as("the others still talk").isTrue();
    assertThat(admin.get(Node.key(prefix + 3), Cni.soon())).isEmpty();
  }
}
