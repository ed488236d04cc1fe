package io.calyx.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.core.Deadline;
import io.calyx.core.GroupName;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.policy.Profile;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.ipam.Pools;
import io.calyx.policy.store.Profiles;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import io.calyx.testkit.Fabric;
import io.calyx.testkit.Netns;
import io.calyx.testkit.NetnsExtension;
import io.calyx.testkit.NetnsExtension.NetnsFactory;
import io.calyx.testkit.NetnsTcp;
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
 * Group policy end to end: two simulated hosts, one agent each, one etcd, containers wired by the real
 * forwarder with Mesos NetworkInfo groups and labels, real TCP connections with timeouts (Mesos scenarios
 * T7, T8, T27 of mesos-contract.md). Root only.
 */
@ExtendWith({EtcdExtension.class, NetnsExtension.class})
class PolicyTest {
  private static final String POOL = "10.94.0.0/16";
  private static final int APP = 8080;

  private Path dir;
  private Fabric fabric;
  private final Agent[] agents = new Agent[3];
  private EtcdDatastore admin;
  private NetnsFactory netns;
  private final NetnsTcp tcp = new NetnsTcp();
  private String net;

  @BeforeEach
  void start(Etcd etcd, NetnsFactory factory) throws Exception {
    netns = factory;
    dir = Files.createTempDirectory(Path.of("/tmp"), "cpo");
    net = "po-" + dir.getFileName().toString().substring(3);
    admin = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
    Cni.ensurePool(admin, POOL);
    fabric = Fabric.create(factory, 2);
    for (int i = 1; i <= 2; i++) {
      agents[i] = Agent.start(AgentConfig.validate(new AgentConfig.Raw(etcd.endpoint(), null, null, null, net + "-h" + i,
          dir.resolve(i + ".sock").toString(), null, dir.resolve("state-" + i).toString(), null, null, null, false,
          fabric.host(i).netns().path().toString(), new AgentConfig.RawReclaim(true, null, null, null, null, null, null)), "x"));
    }
  }

  @AfterEach
  void stop() throws Exception {
    tcp.close();
    for (Agent a : agents) {
      if (a != null) {
        a.close();
      }
    }
    admin.close();
    Cni.deleteTree(dir);
  }

  /** A container listening on APP, wired on {@code host} with this NetworkInfo's groups and labels. */
  private String container(int host, Netns ns, String id, String groupsAndLabels) {
    tcp.listen(ns, APP);
    String ni = "{" + groupsAndLabels + (groupsAndLabels.isEmpty() ? "" : ",") + "\"ip_addresses\":[{\"protocol\":\"IPv4\"}],\"name\":\"" + net + "\"}";
    return Cni.ip4(Cni.call("ADD", id, ns, "eth0", Cni.conf(net, POOL, agents[host].config().socket(), ni)));
  }

  private String nftTable(Netns host) {
    return host.exec("nft", "-j", "list", "table", "inet", "calyx").stdout();
  }

  @Test
  void groupsDecideWhoConnectsAcrossHostsAndTheHostAlwaysReachesItsContainers() throws Exception {
    Netns h1 = fabric.host(1).netns();
    Netns h2 = fabric.host(2).netns();
    Netns web = netns.create();
    Netns prod = netns.create();
    Netns qa = netns.create();
    Netns pub = netns.create();
    Netns labelled = netns.create();
    // T7: Marathon <= 1.4 sends groups; the container is in prod and frontend.
    String webIp = container(1, web, "po-web", "\"groups\":[\"prod\",\"frontend\"],\"labels\":{\"labels\":[{\"key\":\"app\",\"value\":\"web\"}]}");
    // T27: the host (the Mesos agent) reaches its container the moment ADD returns, whatever the groups.
    assertThat(tcp.reaches(h1, webIp, APP)).as("host -> own container right after ADD").isTrue();
    String prodIp = container(2, prod, "po-prod", "\"groups\":[\"prod\"]");
    String qaIp = container(2, qa, "po-qa", "\"groups\":[\"qa\"]");
    String pubIp = container(1, pub, "po-pub", "\"groups\":[\"public\"]");
    // Marathon >= 1.5 cannot send groups: the calyx.groups label carries them.
    container(2, labelled, "po-lbl", "\"labels\":{\"labels\":[{\"key\":\"calyx.groups\",\"value\":\"frontend\"}]}");

    assertThat(Cni.eventually(20, () -> tcp.reaches(prod, webIp, APP))).as("a prod peer on another host connects in").isTrue();
    assertThat(tcp.reaches(labelled, webIp, APP)).as("a frontend member (by label) connects in").isTrue();
    assertThat(tcp.blocked(qa, webIp, APP)).as("a peer only in qa cannot").isTrue();
    assertThat(tcp.blocked(h2, webIp, APP)).as("another host is no member either").isTrue();
    assertThat(tcp.blocked(web, qaIp, APP)).as("and qa accepts only qa").isTrue();
    // T8: public accepts anyone.
    assertThat(tcp.reaches(qa, pubIp, APP)).isTrue();
    assertThat(tcp.reaches(web, pubIp, APP)).isTrue();
    assertThat(tcp.reaches(h2, pubIp, APP)).isTrue();
    // T27 the other way: a container reaches its host's Mesos agent port, and nothing else of the host.
    tcp.listen(h1, 5051);
    tcp.listen(h1, 2222);
    assertThat(tcp.reaches(web, fabric.host(1).ip(), 5051)).as("container -> its agent on 5051").isTrue();
    assertThat(tcp.blocked(web, fabric.host(1).ip(), 2222)).as("container -> another host port").isTrue();
    assertThat(Cni.ping(prod, prodIp)).isTrue();

    // An operator lets prod into qa: agents apply the edit live.
    Profiles profiles = new Profiles(admin);
    Profile qaProfile = profiles.get(GroupName.of("qa"), Cni.soon()).orElseThrow();
    String edited = new String(io.calyx.policy.store.ProfileCodec.encode(qaProfile), java.nio.charset.StandardCharsets.UTF_8)
        .replace("\"ingress\":[", "\"ingress\":[{\"action\":\"allow\",\"source\":{\"group\":\"prod\"}},");
    profiles.put(io.calyx.policy.store.ProfileCodec.decode(Profiles.key(GroupName.of("qa")), edited.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        Cni.soon());
    assertThat(Cni.eventually(10, () -> tcp.reaches(web, qaIp, APP))).as("prod may now connect to qa").isTrue();
    assertThat(tcp.blocked(labelled, qaIp, APP)).as("frontend still may not").isTrue();

    // DEL leaves no rule or set element behind, on its host and on the other.
    assertThat(Cni.call("DEL", "po-web", web, "eth0", Cni.conf(net, POOL, agents[1].config().socket(), "{\"name\":\"" + net + "\"}")).exit())
        .isZero();
    assertThat(nftTable(h1)).doesNotContain(webIp).contains(pubIp);
    assertThat(Cni.eventually(10, () -> !nftTable(h2).contains(webIp))).as("remote member sets forget it").isTrue();
  }
}
