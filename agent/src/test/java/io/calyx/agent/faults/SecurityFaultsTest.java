package io.calyx.agent.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.agent.Cni;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import io.calyx.testkit.Netns;
import io.calyx.testkit.NetnsExtension;
import io.calyx.testkit.NetnsExtension.NetnsFactory;
import io.calyx.testkit.NetnsTcp;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Containers against the network, with a real agent process: a container cannot send from an address that
 * is not its own (anti-spoofing, observed by a packet counter at the receiver, with the container's own
 * address as the control), and reaches its host only on the configured agent ports, not etcd's or any
 * other. Root only. (Socket mode and peer uid, etcd and Mesos TLS: see docs/reliability.md for their tests.)
 */
@ExtendWith({EtcdExtension.class, NetnsExtension.class})
class SecurityFaultsTest {
  private static final String POOL = "10.85.0.0/16";
  private static final String SPOOFED = "10.85.250.250";
  private static final Pattern PACKETS = Pattern.compile("ip saddr (\\S+) counter packets (\\d+)");

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void containersCannotSpoofAndReachTheirHostOnlyOnTheAllowedPorts(Etcd etcd, NetnsFactory namespaces) throws Exception {
    long started = System.nanoTime();
    String net = "sec-net";
    try (EtcdDatastore admin = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
        SimHosts hosts = new SimHosts(etcd.endpoint(), namespaces, 1, "sec", "--host-allow-ports", "5051,7070");
        NetnsTcp tcp = new NetnsTcp()) {
      Cni.ensurePool(admin, POOL);
      String conf = hosts.conf(1, net, POOL, "{\"groups\":[\"public\"],\"name\":\"" + net + "\"}");
      Netns a = namespaces.create();
      Netns b = namespaces.create();
      String ipA = Cni.ip4(hosts.cni("ADD", "sec-a", a, conf));
      String ipB = Cni.ip4(hosts.cni("ADD", "sec-b", b, conf));
      // The receiver counts what arrives from each source (its own table, in its own namespace).
      assertThat(b.exec("nft", "add table ip obs; add chain ip obs in { type filter hook input priority -10; }; "
          + "add rule ip obs in ip saddr " + SPOOFED + " counter; add rule ip obs in ip saddr " + ipA + " counter").exitCode()).isZero();
      // The sender borrows an address that is not its own.
      assertThat(a.exec("ip", "addr", "add", SPOOFED + "/32", "dev", "eth0").exitCode()).isZero();
      a.exec("ping", "-c", "3", "-i", "0.2", "-W", "1", "-I", SPOOFED, ipB);
      assertThat(Cni.ping(a, ipB)).as("the container's own address passes (public group)").isTrue();
      Map<String, Long> seen = new java.util.HashMap<>();
      Matcher m = PACKETS.matcher(b.exec("nft", "list", "chain", "ip", "obs", "in").stdout());
      while (m.find()) {
        seen.put(m.group(1), Long.parseLong(m.group(2)));
      }
      assertThat(seen.get(ipA)).as("control: packets from the own address arrive").isPositive();
      assertThat(seen.get(SPOOFED)).as("no packet with a spoofed source leaves the veth").isZero();

      Netns host = hosts.host(1);
      String hostIp = hosts.fabric.host(1).ip();
      for (int port : List.of(5051, 7070, 2379, 2380, 22, 8080)) {
        tcp.listen(host, port);
      }
      assertThat(tcp.reaches(a, hostIp, 5051)).as("the Mesos agent port").isTrue();
      assertThat(tcp.reaches(a, hostIp, 7070)).as("a port the operator allowed (--host-allow-ports)").isTrue();
      for (int port : List.of(2379, 2380, 22, 8080)) {
        assertThat(tcp.blocked(a, hostIp, port)).as("host port " + port).isTrue();
      }
      assertThat(Cni.ping(host, ipA)).as("the host reaches its container").isTrue();

      assertThat(hosts.cni("DEL", "sec-a", a, conf).exit()).isZero();
      assertThat(hosts.cni("DEL", "sec-b", b, conf).exit()).isZero();
      Audit.Result end = Audit.eventually(admin, hosts.views(), Map.of(), Duration.ofSeconds(20));
      assertThat(end.violations()).isEmpty();
      FaultConfig.record("security", 0, 4, 2, end.invariants() + 8, 0, (System.nanoTime() - started) / 1_000_000,
          "spoofed source dropped (" + seen.get(SPOOFED) + " packets arrived, " + seen.get(ipA) + " from the own address); host reached only on 5051 and the allowed 7070, not 2379/2380/22/8080");
    }
  }
}
