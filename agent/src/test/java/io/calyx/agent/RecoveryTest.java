package io.calyx.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.cni.dataplane.VethNames;
import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.net.IpPrefix;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.ipam.Keys;
import io.calyx.ipam.Pools;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import io.calyx.testkit.Netns;
import io.calyx.testkit.NetnsExtension;
import io.calyx.testkit.NetnsExtension.NetnsFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a starting agent repairs: containers that vanished while it was down (a reboot, a lost DEL) have
 * their records deleted and addresses released, veths nobody recorded are removed, deleted host routes
 * are put back, and running containers are left alone. Real agent, etcd, namespaces. Root only.
 */
@ExtendWith({EtcdExtension.class, NetnsExtension.class})
class RecoveryTest {
  private static final String POOL = "10.98.0.0/16";

  private Path dir;
  private Netns host;
  private Agent agent;
  private String node;
  private Etcd etcd;
  private EtcdDatastore admin;

  @BeforeEach
  void start(Etcd etcd, NetnsFactory factory) throws Exception {
    this.etcd = etcd;
    dir = Files.createTempDirectory(Path.of("/tmp"), "crc");
    host = factory.create();
    assertThat(host.exec("ip", "addr", "add", "10.250.0.1/32", "dev", "lo").exitCode()).isZero();
    admin = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
    Cni.ensurePool(admin, POOL);
    node = "rc-" + dir.getFileName().toString().substring(3);
    agent = startAgent();
  }

  private Agent startAgent() throws Exception {
    return Agent.start(AgentConfig.validate(new AgentConfig.Raw(etcd.endpoint(), null, null, null, node, dir.resolve("a.sock").toString(),
        null, dir.resolve("state").toString(), null, null, null, false, host.path().toString()), "x"));
  }

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    admin.close();
    Cni.deleteTree(dir);
  }

  private String conf() {
    return Cni.conf("rc-net", POOL, agent.config().socket(), "{\"name\":\"rc-net\"}");
  }

  private boolean linkExists(String name) {
    return host.exec("ip", "link", "show", name).exitCode() == 0;
  }

  @Test
  void aStartingAgentReleasesVanishedContainersRemovesOrphansAndRestoresRoutes(NetnsFactory factory) throws Exception {
    Netns gone = factory.create();
    Netns kept = factory.create();
    Cni.ip4(Cni.call("ADD", "rc-gone", gone, "eth0", conf()));
    String keptIp = Cni.ip4(Cni.call("ADD", "rc-kept", kept, "eth0", conf()));
    HandleId goneHandle = HandleId.parse("rc-net:rc-gone:eth0");
    String keptVeth = VethNames.hostSide(HandleId.parse("rc-net:rc-kept:eth0"));
    agent.close();
    agent = null;

    // While no agent runs: a container disappears without DEL (its namespace and so its veth go), a stray
    // calyx veth appears, and someone deletes a running container's host route.
    assertThat(Commands("ip", "netns", "del", gone.name())).isZero();
    assertThat(Cni.eventually(5, () -> !linkExists(VethNames.hostSide(goneHandle)))).isTrue();
    String stray = "cali0123456789a";
    assertThat(host.exec("ip", "link", "add", stray, "type", "veth", "peer", "name", "stray-peer").exitCode()).isZero();
    assertThat(host.exec("ip", "route", "del", keptIp + "/32").exitCode()).isZero();
    assertThat(host.exec("ip", "link", "add", "cali-not-ours", "type", "veth", "peer", "name", "other-peer").exitCode()).isZero();

    agent = startAgent();
    assertThat(Cni.eventually(15, () -> admin.get(Endpoint.key(node, goneHandle), Cni.soon()).isEmpty()
        && admin.get(Keys.handle(goneHandle), Cni.soon()).isEmpty()))
        .as("the vanished container's record and allocation are gone").isTrue();
    assertThat(Cni.eventually(5, () -> !linkExists(stray))).as("the stray veth is removed").isTrue();
    assertThat(Cni.eventually(5, () -> host.exec("ip", "route", "show", keptIp + "/32").stdout().contains(keptVeth)))
        .as("the deleted host route is back").isTrue();
    assertThat(linkExists("cali-not-ours")).as("links calyx did not make are left alone").isTrue();
    assertThat(linkExists(keptVeth)).isTrue();
    assertThat(admin.get(Endpoint.key(node, HandleId.parse("rc-net:rc-kept:eth0")), Cni.soon())).isPresent();
    assertThat(host.exec("ping", "-c", "1", "-W", "2", keptIp).exitCode()).as("the running container is reachable").isZero();
  }

  private static int Commands(String... cmd) {
    return io.calyx.testkit.Commands.run(List.of(cmd), 30).exitCode();
  }
}
