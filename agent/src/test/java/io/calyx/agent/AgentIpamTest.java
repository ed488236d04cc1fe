package io.calyx.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.calyx.core.Deadline;
import io.calyx.core.net.IpPrefix;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.ipam.Keys;
import io.calyx.ipam.Pools;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** calyx-ipam through the real forwarder and agent, against a real etcd. */
@ExtendWith(EtcdExtension.class)
class AgentIpamTest {
  private Path dir;
  private Agent agent;
  private EtcdDatastore admin;
  private String net;
  private io.calyx.testkit.NetnsExtension.NetnsFactory scratch;

  @BeforeEach
  void start(Etcd etcd) throws IOException {
    dir = Files.createTempDirectory(Path.of("/tmp"), "cai");
    net = "net-" + dir.getFileName().toString().substring(3);
    // As root, the agent's routes (a blackhole for its block) go into a scratch namespace, not the machine's.
    String dataplane = null;
    if (io.calyx.testkit.Host.isRoot()) {
      scratch = new io.calyx.testkit.NetnsExtension.NetnsFactory();
      dataplane = scratch.create().path().toString();
    }
    agent = Agent.start(AgentConfig.validate(new AgentConfig.Raw(etcd.endpoint(), null, null, null, "ipam-node",
        dir.resolve("a.sock").toString(), null, dir.resolve("state").toString(), null, null, null, false, dataplane), "x"));
    admin = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
  }

  @AfterEach
  void stop() throws IOException {
    agent.close();
    admin.close();
    if (scratch != null) {
      scratch.close();
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static Deadline soon() {
    return Deadline.in(Duration.ofSeconds(10), Clock.systemUTC());
  }

  private void pool(String cidr) {
    try {
      new Pools(admin, Clock.systemUTC()).add(IpPrefix.parseNetwork("c", cidr), Optional.empty(), soon());
    } catch (IllegalArgumentException e) {
      // already there from another test of this class (they share the etcd)
    }
  }

  private String conf(String version, String ipamExtra) {
    return "{\"cniVersion\":\"" + version + "\",\"name\":\"" + net + "\",\"type\":\"bridge\",\"timeout_seconds\":5,"
        + "\"ipam\":{\"type\":\"calyx-ipam\",\"agent_socket\":\"" + agent.config().socket() + "\"" + ipamExtra + "}}";
  }

  private static Map<String, String> env(String command, String container) {
    return Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", container, "CNI_NETNS", "/var/run/netns/x", "CNI_IFNAME", "eth0");
  }

  private ForwarderRun ipam(Map<String, String> env, String stdin) throws Exception {
    return ForwarderRun.run(List.of(), ipamBinary(), env, stdin);
  }

  private Path ipamBinary() throws IOException {
    Path p = dir.resolve("calyx-ipam");
    if (!Files.exists(p)) {
      Files.copy(ForwarderRun.BINARY, p);
    }
    return p;
  }

  @Test
  void addReturnsAnAddressInItsBlockWithTheGatewayAndDelReleasesIt() throws Exception {
    pool("10.60.0.0/16");
    String conf = conf("1.0.0", ",\"pools\":[\"10.60.0.0/16\"],\"routes\":[{\"dst\":\"0.0.0.0/0\"}]");
    ForwarderRun add = ipam(env("ADD", "c1"), conf);
    assertThat(add.exit()).as(add.stdout()).isZero();
    JsonNode ip = add.json().get("ips").get(0);
    String address = ip.get("address").textValue();
    assertThat(address).startsWith("10.60.").endsWith("/26");
    String gw = ip.get("gateway").textValue();
    assertThat(address).isNotEqualTo(gw + "/26");
    assertThat(add.json().get("routes").get(0).get("dst").textValue()).isEqualTo("0.0.0.0/0");
    assertThat(add.json().has("interfaces")).isFalse();

    ForwarderRun again = ipam(env("ADD", "c1"), conf);
    assertThat(again.json().get("ips").get(0).get("address").textValue()).as("a retried ADD").isEqualTo(address);

    String prev = conf.substring(0, conf.length() - 1) + ",\"prevResult\":" + add.stdout().strip() + "}";
    assertThat(ipam(env("CHECK", "c1"), prev).exit()).isZero();

    assertThat(ipam(env("DEL", "c1"), conf).exit()).isZero();
    assertThat(admin.get(Keys.HANDLES + net + ":c1:eth0", soon())).isEmpty();
    assertThat(ipam(env("DEL", "c1"), conf).exit()).as("DEL again").isZero();
    assertThat(ipam(env("CHECK", "c1"), prev).error(3).get("msg").textValue()).contains("holds no address");
  }

  @Test
  void statusSaysWhetherAddCanWork() throws Exception {
    pool("10.61.0.0/16");
    assertThat(ipam(Map.of("CNI_COMMAND", "STATUS"), conf("1.1.0", ",\"pools\":[\"10.61.0.0/16\"]")).exit()).isZero();
    ForwarderRun noV6 = ipam(Map.of("CNI_COMMAND", "STATUS"), conf("1.1.0", ",\"assign_ipv6\":true,\"pools\":[\"10.61.0.0/16\"]"));
    assertThat(noV6.error(50).get("msg").textValue()).contains("no enabled IPv6 pool");
  }

  @Test
  void gcReleasesWhatIsNotValid() throws Exception {
    pool("10.62.0.0/16");
    String conf = conf("1.1.0", ",\"pools\":[\"10.62.0.0/16\"]");
    assertThat(ipam(env("ADD", "keep"), conf).exit()).isZero();
    assertThat(ipam(env("ADD", "drop"), conf).exit()).isZero();
    String gc = conf.substring(0, conf.length() - 1) + ",\"cni.dev/valid-attachments\":[{\"containerID\":\"keep\",\"ifname\":\"eth0\"}]}";
    assertThat(ipam(Map.of("CNI_COMMAND", "GC"), gc).exit()).isZero();
    assertThat(admin.get(Keys.HANDLES + net + ":keep:eth0", soon())).isPresent();
    assertThat(admin.get(Keys.HANDLES + net + ":drop:eth0", soon())).isEmpty();
  }

  @Test
  void staticAddressInUseIsCode102() throws Exception {
    pool("10.63.0.0/16");
    String mesos = ",\"args\":{\"org.apache.mesos\":{\"network_info\":{\"ip_addresses\":[{\"ip_address\":\"10.63.5.5\",\"protocol\":\"IPv4\"}],\"name\":\"n\"}}}";
    String conf = conf("0.2.0", ",\"pools\":[\"10.63.0.0/16\"]").replaceFirst("\\}\\}$", "}" + mesos + "}");
    ForwarderRun first = ipam(env("ADD", "s1"), conf);
    assertThat(first.exit()).as(first.stdout()).isZero();
    assertThat(first.json().get("ip4").get("ip").textValue()).isEqualTo("10.63.5.5/26");
    ForwarderRun second = ipam(env("ADD", "s2"), conf);
    assertThat(second.error(102).get("msg").textValue()).contains("in use by " + net + ":s1:eth0");
  }

  @Test
  void etcdDownIsCode11WithinTheTimeout(Etcd etcd) throws Exception {
    pool("10.64.0.0/16");
    String conf = conf("0.4.0", ",\"pools\":[\"10.64.0.0/16\"]");
    assertThat(ipam(env("ADD", "warm"), conf).exit()).isZero();
    etcd.stop();
    try {
      ForwarderRun r = ipam(env("ADD", "down"), conf);
      assertThat(r.error(11).get("msg").textValue()).contains("unavailable");
      assertThat(r.took()).isLessThan(Duration.ofSeconds(5));
    } finally {
      etcd.resume();
    }
    ForwarderRun after = ipam(env("ADD", "down"), conf);
    assertThat(after.exit()).as(after.stdout()).isZero();
  }

  @Test
  void theCniIpsCapabilityRequestsAnExactAddress() throws Exception {
    pool("10.65.0.0/16");
    String conf = conf("1.0.0", ",\"pools\":[\"10.65.0.0/16\"]").replaceFirst("\\}\\}$", "},\"runtimeConfig\":{\"ips\":[\"10.65.7.7/24\"]}}");
    ForwarderRun add = ipam(env("ADD", "rc1"), conf);
    assertThat(add.exit()).as(add.stdout()).isZero();
    assertThat(add.json().get("ips").get(0).get("address").textValue()).isEqualTo("10.65.7.7/26");
    String bad = conf.replace("10.65.7.7/24", "not-an-ip");
    assertThat(ipam(env("ADD", "rc2"), bad).error(7).get("msg").textValue()).contains("runtimeConfig.ips");
  }
}
