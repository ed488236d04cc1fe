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
import io.calyx.testkit.Netns;
import io.calyx.testkit.NetnsExtension;
import io.calyx.testkit.NetnsExtension.NetnsFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * calyx-ipam under the real reference plugins (Debian's containernetworking-plugins): each plugin runs in
 * a "host" network namespace the test creates, wires two containers (more namespaces) and delegates to
 * calyx-ipam, which the real agent serves from a real etcd. The containers must reach each other and DEL
 * must give every address back.
 */
@ExtendWith({EtcdExtension.class, NetnsExtension.class})
class ReferencePluginsTest {
  private static final Path PLUGINS = Path.of("/usr/lib/cni");

  private static Deadline soon() {
    return Deadline.in(Duration.ofSeconds(10), Clock.systemUTC());
  }

  @Test
  void bridgeWithCalyxIpam(Etcd etcd, NetnsFactory netns) throws Exception {
    run(etcd, netns, "bridge", "10.70.0.0/16", ",\"bridge\":\"calyxbr0\",\"isGateway\":true,\"ipMasq\":false");
  }

  @Test
  void ptpWithCalyxIpam(Etcd etcd, NetnsFactory netns) throws Exception {
    run(etcd, netns, "ptp", "10.71.0.0/16", ",\"ipMasq\":false");
  }

  private void run(Etcd etcd, NetnsFactory netns, String plugin, String pool, String pluginConf) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(PLUGINS.resolve(plugin)), "needs " + PLUGINS.resolve(plugin) + " (apt-get install containernetworking-plugins)");
    Assumptions.assumeTrue(io.calyx.testkit.Host.which("ping").isPresent(), "needs ping (apt-get install iputils-ping)");
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "crp");
    Path cniPath = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(ForwarderRun.BINARY, cniPath.resolve("calyx-ipam"));
    String net = "ref-" + plugin + "-" + dir.getFileName().toString().substring(3);
    Netns host = netns.create();
    // The agent's routes (a blackhole for its block) go into the simulated host, not the machine's table.
    try (EtcdDatastore admin = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
        Agent agent = Agent.start(AgentConfig.validate(new AgentConfig.Raw(etcd.endpoint(), null, null, null, "ref-host",
            dir.resolve("a.sock").toString(), null, dir.resolve("state").toString(), null, null, null, false, host.path().toString()), "x"))) {
      new Pools(admin, Clock.systemUTC()).add(IpPrefix.parseNetwork("c", pool), Optional.empty(), soon());
      Netns a = netns.create();
      Netns b = netns.create();
      String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"" + net + "\",\"type\":\"" + plugin + "\"" + pluginConf
          + ",\"ipam\":{\"type\":\"calyx-ipam\",\"agent_socket\":\"" + agent.config().socket() + "\",\"pools\":[\"" + pool + "\"],"
          + "\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}}";
      ForwarderRun addA = exec(host, plugin, "ADD", "ca", a, cniPath, conf);
      ForwarderRun addB = exec(host, plugin, "ADD", "cb", b, cniPath, conf);
      String ipA = address(addA);
      String ipB = address(addB);
      assertThat(ipA).isNotEqualTo(ipB);
      assertThat(IpPrefix.parseNetwork("p", pool).contains(io.calyx.core.net.IpAddress.parse("a", ipA))).isTrue();
      assertThat(a.exec("ip", "-o", "addr", "show", "dev", "eth0").stdout()).contains(ipA + "/");
      assertThat(a.exec("ping", "-c", "1", "-W", "2", ipB).exitCode()).as("container a reaches b over " + plugin).isZero();
      // The agent blackholes its block in this namespace; the bridge's subnet route for the same block
      // must stay in force (the blackhole has a higher metric).
      assertThat(Cni.eventually(10, () -> host.exec("ip", "route", "show", "proto", "80").stdout().contains("blackhole")))
          .as("the agent routed its block").isTrue();
      assertThat(a.exec("ping", "-c", "1", "-W", "2", ipB).exitCode()).as("still reachable with the blackhole in place").isZero();
      assertThat(admin.list(Keys.HANDLES + net + ":", soon()).kvs()).hasSize(2);

      String prevA = conf.substring(0, conf.length() - 1) + ",\"prevResult\":" + addA.stdout().strip() + "}";
      assertThat(exec(host, plugin, "CHECK", "ca", a, cniPath, prevA).exit()).isZero();
      assertThat(exec(host, plugin, "DEL", "ca", a, cniPath, prevA).exit()).isZero();
      assertThat(exec(host, plugin, "DEL", "cb", b, cniPath, conf).exit()).isZero();
      assertThat(exec(host, plugin, "DEL", "cb", b, cniPath, conf).exit()).as("DEL again").isZero();
      assertThat(admin.list(Keys.HANDLES + net + ":", soon()).kvs()).isEmpty();
      assertThat(a.exec("ip", "-o", "link", "show", "eth0").exitCode()).isNotZero();
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static String address(ForwarderRun add) {
    assertThat(add.exit()).as(add.stdout() + add.stderr()).isZero();
    // The reference plugins pretty-print their result.
    JsonNode ip = io.calyx.cni.spec.Json.parse(add.stdout().getBytes(java.nio.charset.StandardCharsets.UTF_8), "result").get("ips").get(0);
    String cidr = ip.get("address").textValue();
    assertThat(cidr).endsWith("/26");
    return cidr.substring(0, cidr.indexOf('/'));
  }

  private static ForwarderRun exec(Netns host, String plugin, String command, String container, Netns target, Path cniPath, String conf)
      throws Exception {
    Map<String, String> env = Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", container, "CNI_NETNS", target.path().toString(),
        "CNI_IFNAME", "eth0", "CNI_PATH", cniPath + ":" + PLUGINS, "PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    return ForwarderRun.run(List.of("ip", "netns", "exec", host.name()), PLUGINS.resolve(plugin), env, conf);
  }
}
