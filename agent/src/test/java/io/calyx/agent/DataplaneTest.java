package io.calyx.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The calyx plugin end to end, driven the way Mesos drives it: the real forwarder with a cleared environment
 * and the checkpointed stdin, the real agent wiring the host side in a "host" namespace the test creates
 * ({@code --dataplane-netns}), real etcd, real container namespaces, real packets. Root only.
 */
@ExtendWith({EtcdExtension.class, NetnsExtension.class})
class DataplaneTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String POOL = "10.96.0.0/16";

  private Path dir;
  private Netns host;
  private Agent agent;
  private String node;
  private EtcdDatastore admin;
  private NetnsFactory netns;

  @BeforeEach
  void start(Etcd etcd, NetnsFactory factory) throws Exception {
    netns = factory;
    dir = Files.createTempDirectory(Path.of("/tmp"), "cdp");
    host = factory.create();
    // The "host" has an address of its own, which containers must be able to reach (the Mesos agent).
    assertThat(host.exec("ip", "addr", "add", "10.250.0.1/32", "dev", "lo").exitCode()).isZero();
    admin = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
    Cni.ensurePool(admin, POOL);
    node = "dp-host-" + dir.getFileName();
    agent = Agent.start(AgentConfig.validate(new AgentConfig.Raw(etcd.endpoint(), null, null, null, node, dir.resolve("a.sock").toString(),
        null, dir.resolve("state").toString(), null, null, null, false, host.path().toString()), "x"));
  }

  @AfterEach
  void stop() throws Exception {
    agent.close();
    admin.close();
    Cni.deleteTree(dir);
  }

  private String conf(String network, String networkInfo) {
    return "{\"args\":{\"org.apache.mesos\":{\"network_info\":" + networkInfo + "}},\"cniVersion\":\"0.2.0\",\"dns\":{\"nameservers\":[\"10.0.0.53\"]},"
        + "\"ipam\":{\"pools\":[\"" + POOL + "\"],\"type\":\"calyx-ipam\"},\"name\":\"" + network + "\",\"agent_socket\":\"" + agent.config().socket() + "\",\"type\":\"calyx\"}";
  }

  private ForwarderRun cni(String command, String container, Netns target, String ifname, String conf) {
    return Cni.call(command, container, target, ifname, conf);
  }

  private static JsonNode ipJson(Netns ns, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ip", "-j"));
    cmd.addAll(List.of(args));
    return JSON.readTree(ns.exec(cmd.toArray(String[]::new)).stdout());
  }

  /** How many calyx veths the host has. */
  private long caliLinks() {
    try {
      return ipJson(host, "link", "show").findValuesAsText("ifname").stream().filter(n -> n.startsWith("cali")).count();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String ip4(ForwarderRun add) {
    return Cni.ip4(add);
  }

  private boolean ping(Netns from, String to) {
    return from.exec("ping", "-c", "1", "-W", "2", to).exitCode() == 0;
  }

  @Test
  void addWiresTheContainerAndDelRemovesEverything() throws Exception {
    Netns a = netns.create();
    Netns b = netns.create();
    String ni = "{\"groups\":[\"web\"],\"ip_addresses\":[{\"protocol\":\"IPv4\"}],\"labels\":{\"labels\":[{\"key\":\"app\",\"value\":\"web\"}]},\"name\":\"calyx-net\"}";
    ForwarderRun addA = cni("ADD", "c-a", a, "eth0", conf("calyx-net", ni));
    String ipA = ip4(addA);
    String ipB = ip4(cni("ADD", "c-b", b, "eth0", conf("calyx-net", ni)));
    assertThat(addA.json().get("ip4").get("gateway").textValue()).isEqualTo("169.254.1.1");
    assertThat(addA.json().get("dns").get("nameservers").get(0).textValue()).isEqualTo("10.0.0.53");

    JsonNode addrs = ipJson(a, "addr", "show", "dev", "eth0");
    assertThat(addrs.get(0).get("addr_info").findValuesAsText("local")).contains(ipA);
    JsonNode routes = ipJson(a, "route", "show");
    assertThat(routes.findValuesAsText("gateway")).contains("169.254.1.1");
    String veth = VethNames.hostSide(HandleId.parse("calyx-net:c-a:eth0"));
    assertThat(ipJson(host, "link", "show", veth).get(0).get("address").asText()).isEqualTo("ee:ee:ee:ee:ee:ee");
    assertThat(ipJson(host, "route", "show", ipA).get(0).get("dev").asText()).isEqualTo(veth);
    assertThat(addrs.get(0).get("address").asText()).as("the container MAC, known before the link existed")
        .isEqualTo(VethNames.containerMac(HandleId.parse("calyx-net:c-a:eth0")));

    assertThat(ping(a, ipB)).as("container to container on one host").isTrue();
    assertThat(ping(host, ipA)).as("host to container").isTrue();
    // Group policy: a container reaches its host only on the Mesos agent's port (5051), not by ping.
    try (io.calyx.testkit.NetnsTcp tcp = new io.calyx.testkit.NetnsTcp()) {
      tcp.listen(host, 5051);
      assertThat(tcp.reaches(a, "10.250.0.1", 5051)).as("container to the host's agent port").isTrue();
    }
    assertThat(ping(a, "10.250.0.1")).as("container to host, other traffic").isFalse();

    String endpointKey = Endpoint.key(node, HandleId.parse("calyx-net:c-a:eth0"));
    assertThat(admin.get(endpointKey, Cni.soon())).hasValueSatisfying(kv -> assertThat(kv.valueText())
        .contains("\"host_veth\":\"" + veth + "\"").contains("\"groups\":[\"web\"]").contains("\"app\":\"web\""));
    assertThat(admin.get(endpointKey, Cni.soon()).orElseThrow().modRevision()).as("the endpoint record is written with the allocation")
        .isEqualTo(admin.get(Keys.HANDLES + "calyx-net:c-a:eth0", Cni.soon()).orElseThrow().modRevision());

    ForwarderRun again = cni("ADD", "c-a", a, "eth0", conf("calyx-net", ni));
    assertThat(ip4(again)).as("a retried ADD keeps the address").isEqualTo(ipA);
    assertThat(ping(a, ipB)).isTrue();

    String checkConf = conf("calyx-net", ni).replace("\"cniVersion\":\"0.2.0\"", "\"cniVersion\":\"0.4.0\"");
    String prev = checkConf.substring(0, checkConf.length() - 1) + ",\"prevResult\":" + again.stdout().strip() + "}";
    ForwarderRun check = cni("CHECK", "c-a", a, "eth0", prev);
    assertThat(check.exit()).as(check.stdout()).isZero();

    assertThat(cni("DEL", "c-a", a, "eth0", conf("calyx-net", ni)).exit()).isZero();
    assertThat(ipJson(host, "route", "show", ipA)).as("DEL answers once the container is cut off").isEmpty();
    assertThat(Cni.linkGone(host, veth)).as("host veth gone").isTrue();
    assertThat(Cni.linkGone(a, "eth0")).as("container side gone").isTrue();
    assertThat(ipJson(host, "route", "show", ipA)).isEmpty();
    assertThat(admin.get(endpointKey, Cni.soon())).isEmpty();
    assertThat(admin.get(Keys.HANDLES + "calyx-net:c-a:eth0", Cni.soon())).isEmpty();
    assertThat(cni("DEL", "c-a", a, "eth0", conf("calyx-net", ni)).exit()).as("DEL again").isZero();
    assertThat(cni("DEL", "c-a", null, "eth0", conf("calyx-net", ni)).exit()).as("DEL without CNI_NETNS").isZero();
    assertThat(cni("DEL", "c-b", null, "eth0", conf("calyx-net", ni)).exit()).as("DEL after reboot (no netns)").isZero();
    assertThat(Cni.linkGone(host, VethNames.hostSide(HandleId.parse("calyx-net:c-b:eth0")))).isTrue();
  }

  @Test
  void nestedContainersTwoNetworksAndABurst() throws Exception {
    Netns parent = netns.create();
    Netns child = netns.create();
    String ni = "{\"name\":\"calyx-net\"}";
    String p = ip4(cni("ADD", "pp", parent, "eth0", conf("calyx-net", ni)));
    String c = ip4(cni("ADD", "pp.cc", child, "eth0", conf("calyx-net", ni)));
    assertThat(c).isNotEqualTo(p);
    assertThat(VethNames.hostSide(HandleId.parse("calyx-net:pp.cc:eth0"))).isNotEqualTo(VethNames.hostSide(HandleId.parse("calyx-net:pp:eth0")));
    assertThat(cni("DEL", "pp.cc", child, "eth0", conf("calyx-net", ni)).exit()).isZero();
    assertThat(ping(host, p)).as("the parent keeps its network").isTrue();

    // Two networks of one container, attached in parallel (eth0 and eth1).
    Netns multi = netns.create();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      Future<ForwarderRun> n1 = pool.submit(() -> cni("ADD", "multi", multi, "eth0", conf("calyx-net", ni)));
      Future<ForwarderRun> n2 = pool.submit(() -> cni("ADD", "multi", multi, "eth1", conf("calyx-net-b", "{\"name\":\"calyx-net-b\"}")));
      assertThat(ip4(n1.get())).isNotEqualTo(ip4(n2.get()));
      assertThat(ipJson(multi, "link", "show").findValuesAsText("ifname")).contains("eth0", "eth1");

      // A burst of containers.
      List<Netns> many = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        many.add(netns.create());
      }
      List<Future<ForwarderRun>> adds = new ArrayList<>();
      for (int i = 0; i < many.size(); i++) {
        int n = i;
        adds.add(pool.submit(() -> cni("ADD", "burst" + n, many.get(n), "eth0", conf("calyx-net", ni))));
      }
      Set<String> ips = new HashSet<>();
      for (Future<ForwarderRun> f : adds) {
        ips.add(ip4(f.get()));
      }
      assertThat(ips).hasSize(many.size());
      List<Future<ForwarderRun>> dels = new ArrayList<>();
      for (int i = 0; i < many.size(); i++) {
        int n = i;
        dels.add(pool.submit(() -> cni("DEL", "burst" + n, many.get(n), "eth0", conf("calyx-net", ni))));
      }
      for (Future<ForwarderRun> f : dels) {
        assertThat(f.get().exit()).isZero();
      }
      assertThat(admin.list(Keys.HANDLES + "calyx-net:burst", Cni.soon()).kvs()).isEmpty();
      assertThat(Cni.eventually(5, () -> caliLinks() == 3)).as("only pp's and multi's veths remain").isTrue();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aFailedAddLeavesNothingAndItsDelSucceeds() throws Exception {
    String ni = "{\"name\":\"calyx-net\"}";
    ForwarderRun add = cni("ADD", "ghost", null, "eth0", conf("calyx-net", ni));
    assertThat(add.error(4).get("msg").textValue()).contains("CNI_NETNS");
    ForwarderRun noNs = ForwarderRun.run(List.of(), ForwarderRun.BINARY,
        Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "ghost", "CNI_NETNS", "/var/run/netns/calyx-no-such-ns", "CNI_IFNAME", "eth0"),
        conf("calyx-net", ni));
    assertThat(noNs.error(999).get("msg").textValue()).contains("No such file or directory");
    assertThat(admin.get(Keys.HANDLES + "calyx-net:ghost:eth0", Cni.soon())).as("allocation rolled back").isEmpty();
    assertThat(cni("DEL", "ghost", null, "eth0", conf("calyx-net", ni)).exit()).isZero();
  }

  @Test
  void delWhileEtcdIsDownTearsDownLocallyAndReleasesLater(Etcd etcd) throws Exception {
    Netns a = netns.create();
    String ni = "{\"name\":\"calyx-net\"}";
    String ip = ip4(cni("ADD", "outage", a, "eth0", conf("calyx-net", ni)));
    etcd.stop();
    try {
      ForwarderRun del = cni("DEL", "outage", a, "eth0", conf("calyx-net", ni));
      assertThat(del.exit()).as(del.stdout()).isZero();
      assertThat(ipJson(host, "route", "show", ip)).as("local teardown happened").isEmpty();
      assertThat(Files.list(agent.config().stateDir().resolve("pending-releases")).count()).isEqualTo(1);
    } finally {
      etcd.resume();
    }
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < until) {
      try {
        if (admin.get(Keys.HANDLES + "calyx-net:outage:eth0", Cni.soon()).isEmpty()) {
          break;
        }
      } catch (io.calyx.core.store.DatastoreUnavailableException e) {
        // the client is still reconnecting
      }
      Thread.sleep(200);
    }
    assertThat(admin.get(Keys.HANDLES + "calyx-net:outage:eth0", Cni.soon())).as("released once etcd is back").isEmpty();

  }

  @Test
  void delForUnknownOrHalfGoneContainersAndStaticAddresses() throws Exception {
    String ni = "{\"name\":\"calyx-net\"}";
    Netns empty = netns.create();
    // T5: DEL for a container nobody ever ADDed, with an empty netns.
    assertThat(cni("DEL", "3f9c1a52-0000-4a8b-9c55-2b1e6f0d4a77", empty, "eth0", conf("calyx-net", ni)).exit()).isZero();

    // T25: the veth is already gone but the address is still allocated: DEL releases it.
    Netns a = netns.create();
    String ip = ip4(cni("ADD", "half", a, "eth0", conf("calyx-net", ni)));
    String veth = VethNames.hostSide(HandleId.parse("calyx-net:half:eth0"));
    assertThat(host.exec("ip", "link", "del", veth).exitCode()).isZero();
    assertThat(admin.get(Keys.HANDLES + "calyx-net:half:eth0", Cni.soon())).isPresent();
    assertThat(cni("DEL", "half", a, "eth0", conf("calyx-net", ni)).exit()).isZero();
    assertThat(admin.get(Keys.HANDLES + "calyx-net:half:eth0", Cni.soon())).isEmpty();
    assertThat(ipJson(host, "route", "show", ip)).isEmpty();

    // T17: a static address request gets exactly that address, or a clear error.
    Netns s1 = netns.create();
    Netns s2 = netns.create();
    String wanted = "{\"ip_addresses\":[{\"ip_address\":\"10.96.200.9\",\"protocol\":\"IPv4\"}],\"name\":\"calyx-net\"}";
    assertThat(ip4(cni("ADD", "static1", s1, "eth0", conf("calyx-net", wanted)))).isEqualTo("10.96.200.9");
    ForwarderRun taken = cni("ADD", "static2", s2, "eth0", conf("calyx-net", wanted));
    assertThat(taken.error(102).get("msg").textValue()).contains("10.96.200.9 is in use by calyx-net:static1:eth0");
    assertThat(s2.exec("ip", "link", "show", "eth0").exitCode()).as("nothing wired for the refused ADD").isNotZero();
    assertThat(cni("DEL", "static2", s2, "eth0", conf("calyx-net", wanted)).exit()).isZero();
    assertThat(cni("DEL", "static1", s1, "eth0", conf("calyx-net", wanted)).exit()).isZero();
  }

  @Test
  void dualStackContainersReachEachOtherOverIpv6() throws Exception {
    try {
      new Pools(admin, Clock.systemUTC()).add(IpPrefix.parseNetwork("p", "fd96::/64"), Optional.empty(), Cni.soon());
    } catch (IllegalArgumentException e) {
      // shared etcd
    }
    String dual = conf("calyx-dual", "{\"name\":\"calyx-dual\"}")
        .replace("\"pools\":[\"" + POOL + "\"]", "\"pools\":[\"" + POOL + "\",\"fd96::/64\"],\"assign_ipv6\":true");
    Netns a = netns.create();
    Netns b = netns.create();
    ForwarderRun addA = cni("ADD", "v6a", a, "eth0", dual);
    ForwarderRun addB = cni("ADD", "v6b", b, "eth0", dual);
    ip4(addA);
    String v6a = addA.json().get("ip6").get("ip").textValue();
    String v6b = addB.json().get("ip6").get("ip").textValue();
    assertThat(v6a).startsWith("fd96:").endsWith("/128");
    assertThat(addA.json().get("ip6").get("gateway").textValue()).isEqualTo("fe80::ecee:eeff:feee:eeee");
    assertThat(a.exec("ping", "-6", "-c", "1", "-W", "2", v6b.substring(0, v6b.indexOf('/'))).exitCode()).as("v6 container to container").isZero();
    assertThat(host.exec("ping", "-6", "-c", "1", "-W", "2", v6a.substring(0, v6a.indexOf('/'))).exitCode()).as("v6 host to container").isZero();
    assertThat(cni("DEL", "v6a", a, "eth0", dual).exit()).isZero();
    assertThat(ipJson(host, "-6", "route", "show", v6a.substring(0, v6a.indexOf('/')))).as("no v6 route once DEL answered").isEmpty();
    assertThat(cni("DEL", "v6b", b, "eth0", dual).exit()).isZero();
    assertThat(admin.list(Keys.HANDLES + "calyx-dual:", Cni.soon()).kvs()).isEmpty();
  }

  @Test
  void anAddHeldUpByASlowEtcdAndARacingDelEndWithNothingLeft(Etcd etcd) throws Exception {
    Assumptions.assumeTrue(etcd instanceof io.calyx.testkit.EtcdServer, "needs an etcd process it can freeze");
    Netns a = netns.create();
    String ni = "{\"name\":\"calyx-net\"}";
    String conf = conf("calyx-net", ni).replace("\"cniVersion\":\"0.2.0\"", "\"cniVersion\":\"0.2.0\",\"timeout_seconds\":20");
    assertThat(ip4(cni("ADD", "warm-up", netns.create(), "eth0", conf))).isNotEmpty();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    etcd.freeze();
    try {
      Future<ForwarderRun> add = pool.submit(() -> cni("ADD", "orphan", a, "eth0", conf));
      Thread.sleep(500);
      Future<ForwarderRun> del = pool.submit(() -> cni("DEL", "orphan", a, "eth0", conf));
      Thread.sleep(500);
      etcd.thaw();
      ForwarderRun added = add.get();
      ForwarderRun deleted = del.get();
      assertThat(deleted.exit()).as(deleted.stdout()).isZero();
      // The DEL waited for the ADD (one container interface at a time), so whatever ADD did is undone.
      assertThat(added.exit()).as(added.stdout()).isIn(0, 1);
    } finally {
      pool.shutdownNow();
      etcd.thaw();
    }
    assertThat(Cni.linkGone(a, "eth0")).as("no interface left").isTrue();
    assertThat(Cni.linkGone(host, VethNames.hostSide(HandleId.parse("calyx-net:orphan:eth0")))).isTrue();
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < until) {
      try {
        if (admin.get(Keys.HANDLES + "calyx-net:orphan:eth0", Cni.soon()).isEmpty()) {
          break;
        }
      } catch (io.calyx.core.store.DatastoreUnavailableException e) {
        // reconnecting
      }
      Thread.sleep(200);
    }
    assertThat(admin.get(Keys.HANDLES + "calyx-net:orphan:eth0", Cni.soon())).as("no allocation left").isEmpty();
    assertThat(admin.get(Endpoint.key(node, HandleId.parse("calyx-net:orphan:eth0")), Cni.soon())).as("no endpoint left").isEmpty();
  }
}
