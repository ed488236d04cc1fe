package io.calyx.agent.mesos;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.agent.Agent;
import io.calyx.agent.AgentConfig;
import io.calyx.agent.Cni;
import io.calyx.agent.ForwarderRun;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The reclaimer in a real agent against a local server answering like a Mesos agent's operator API and a
 * checkpoint directory laid out like Mesos': nothing is released while Mesos cannot be asked; then only
 * the calyx plugin's allocation whose container neither source knows is released, after the grace period,
 * with its veth, route and record. Root only.
 */
@ExtendWith({EtcdExtension.class, NetnsExtension.class})
class ReclaimTest {
  private static final String POOL = "10.95.0.0/16";

  private Path dir;
  private Netns host;
  private Agent agent;
  private String node;
  private EtcdDatastore admin;
  private FakeMesosAgent mesos;
  private Path checkpoints;

  @BeforeEach
  void start(Etcd etcd, NetnsFactory factory) throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "crl");
    host = factory.create();
    checkpoints = Files.createDirectories(dir.resolve("mesos/isolators/network/cni"));
    admin = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
    Cni.ensurePool(admin, POOL);
    mesos = FakeMesosAgent.http().answer(503, Map.of(), "Agent has not finished recovery");
    node = "rl-" + dir.getFileName().toString().substring(3);
    agent = Agent.start(AgentConfig.validate(new AgentConfig.Raw(etcd.endpoint(), null, null, null, node, dir.resolve("a.sock").toString(),
        null, dir.resolve("state").toString(), null, mesos.endpoint().toString(), null, false, host.path().toString(),
        new AgentConfig.RawReclaim(false, "1s", null, null, checkpoints.toString(), "1s", "200ms")), "x"));
  }

  @AfterEach
  void stop() throws Exception {
    agent.close();
    admin.close();
    mesos.close();
    Cni.deleteTree(dir);
  }

  private String conf() {
    return Cni.conf("rl-net", POOL, agent.config().socket(), "{\"name\":\"rl-net\"}");
  }

  private boolean allocated(String handle) {
    return admin.get(Keys.handle(HandleId.parse(handle)), Cni.soon()).isPresent();
  }

  /** Mesos' answer listing top-level containers (and a nested one, whose full id is only in its status). */
  private static String containers(String... ids) {
    StringBuilder b = new StringBuilder("{\"type\":\"GET_CONTAINERS\",\"get_containers\":{\"containers\":[");
    for (int i = 0; i < ids.length; i++) {
      String id = ids[i];
      int dot = id.indexOf('.');
      String own = dot < 0 ? id : id.substring(dot + 1);
      String status = dot < 0 ? "{\"value\":\"" + id + "\"}" : "{\"value\":\"" + own + "\",\"parent\":{\"value\":\"" + id.substring(0, dot) + "\"}}";
      b.append(i == 0 ? "" : ",").append("{\"framework_id\":{\"value\":\"fw\"},\"executor_id\":{\"value\":\"ex\"},\"executor_name\":\"x\",")
          .append("\"container_id\":{\"value\":\"").append(own).append("\"},\"container_status\":{\"container_id\":").append(status)
          .append(",\"executor_pid\":1}}");
    }
    return b.append("]}}").toString();
  }

  @Test
  void releasesOnlyWhatNeitherSourceKnowsAfterTheGraceAndNothingWhileMesosIsDown(NetnsFactory factory) throws Exception {
    Netns gone = factory.create();
    Netns listed = factory.create();
    Netns checkpointed = factory.create();
    Netns nested = factory.create();
    Cni.ip4(Cni.call("ADD", "rl-gone", gone, "eth0", conf()));
    Cni.ip4(Cni.call("ADD", "rl-listed", listed, "eth0", conf()));
    Cni.ip4(Cni.call("ADD", "rl-ckpt", checkpointed, "eth0", conf()));
    Cni.ip4(Cni.call("ADD", "rl-parent.rl-child", nested, "eth0", conf()));
    // calyx-ipam under another plugin (another runtime): never reclaimed by this loop, only by CNI GC.
    Map<String, String> env = new LinkedHashMap<>(Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "rl-other", "CNI_NETNS", "/x",
        "CNI_IFNAME", "eth0", "PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
    Path ipamBinary = dir.resolve("calyx-ipam");
    Files.copy(ForwarderRun.BINARY, ipamBinary);
    ForwarderRun other = ForwarderRun.run(List.of(), ipamBinary, env, "{\"cniVersion\":\"1.0.0\",\"name\":\"rl-net\",\"type\":\"bridge\","
        + "\"ipam\":{\"type\":\"calyx-ipam\",\"agent_socket\":\"" + agent.config().socket() + "\",\"pools\":[\"" + POOL + "\"]}}");
    assertThat(other.exit()).as(other.stdout()).isZero();

    // Mesos is recovering (503) for well past the grace period: nothing may go.
    Thread.sleep(2500);
    assertThat(mesos.received()).as("the reclaimer asked").hasSizeGreaterThan(3);
    assertThat(allocated("rl-net:rl-gone:eth0")).isTrue();

    // Mesos answers: it knows rl-listed and the nested container; rl-ckpt only has its checkpoint directory.
    Files.createDirectories(checkpoints.resolve("rl-ckpt/rl-net/eth0"));
    Files.writeString(checkpoints.resolve("rl-ckpt/rl-net/network.conf"), conf());
    mesos.answerJson(containers("rl-listed", "rl-parent.rl-child"));
    assertThat(Cni.eventually(15, () -> !allocated("rl-net:rl-gone:eth0"))).as("the lost container's address is released").isTrue();
    HandleId goneHandle = HandleId.parse("rl-net:rl-gone:eth0");
    assertThat(admin.get(Endpoint.key(node, goneHandle), Cni.soon())).isEmpty();
    assertThat(Cni.linkGone(host, VethNames.hostSide(goneHandle))).as("its veth is gone").isTrue();
    Thread.sleep(1500);
    assertThat(allocated("rl-net:rl-listed:eth0")).as("listed by the operator API").isTrue();
    assertThat(allocated("rl-net:rl-ckpt:eth0")).as("only in the checkpoint directory").isTrue();
    assertThat(allocated("rl-net:rl-parent.rl-child:eth0")).as("nested, named through its status").isTrue();
    assertThat(allocated("rl-net:rl-other:eth0")).as("calyx-ipam's allocation for another runtime").isTrue();
    assertThat(mesos.received().getLast().body()).contains("\"show_nested\":true");
  }
}
