package io.calyx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.KeyValue;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.ipam.AllocateRequest;
import io.calyx.ipam.HandleRecord;
import io.calyx.ipam.HostAllocator;
import io.calyx.ipam.Origin;
import io.calyx.ipam.PoolCache;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The real CLI against a real etcd populated through the real IPAM. */
@ExtendWith(EtcdExtension.class)
class CliIpamTest {
  private static CalyxCtlTest.Run ctl(Etcd etcd, String... args) {
    return CalyxCtlTest.against(etcd, args);
  }

  private static Deadline soon() {
    return Deadline.in(Duration.ofSeconds(10), Clock.systemUTC());
  }

  @Test
  void poolLifecycle(Etcd etcd) throws Exception {
    CalyxCtlTest.Run add = ctl(etcd, "pool", "add", "10.81.0.0/16");
    assertThat(add.code()).as(add.err()).isZero();
    assertThat(add.out()).isEqualTo("added pool 10.81.0.0/16 (blocks of /26)\n");
    assertThat(ctl(etcd, "pool", "add", "fd81::/64", "-o", "json").out()).contains("\"block_size\" : 122");

    CalyxCtlTest.Run overlap = ctl(etcd, "pool", "add", "10.81.4.0/24");
    assertThat(overlap.code()).isEqualTo(1);
    assertThat(overlap.err().lines()).containsExactly("calyxctl: cidr: pool 10.81.4.0/24 overlaps the existing pool 10.81.0.0/16");
    CalyxCtlTest.Run hostBits = ctl(etcd, "pool", "add", "10.82.0.1/16");
    assertThat(hostBits.code()).isEqualTo(1);
    assertThat(hostBits.err()).contains("did you mean 10.82.0.0/16");

    CalyxCtlTest.Run list = ctl(etcd, "pool", "list");
    assertThat(list.out()).containsPattern("CIDR +BLOCK SIZE  BLOCKS  STATE\n").containsPattern("\n10\\.81\\.0\\.0/16 +/26 +0 +enabled\n");
    JsonNode json = Json.MAPPER.readTree(ctl(etcd, "pool", "list", "-o", "json").out());
    assertThat(json.findValuesAsText("cidr")).contains("10.81.0.0/16", "fd81::/64");

    assertThat(ctl(etcd, "pool", "delete", "fd81::/64").out()).isEqualTo("deleted pool fd81::/64\n");
    CalyxCtlTest.Run missing = ctl(etcd, "pool", "delete", "fd81::/64");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).startsWith("calyxctl: cidr: no pool fd81::/64");
    assertThat(ctl(etcd, "pool", "delete").code()).as("missing argument").isEqualTo(2);
  }

  @Test
  void ipamShowsUtilisationBlocksAndHolders(Etcd etcd) throws Exception {
    assertThat(ctl(etcd, "pool", "add", "10.83.0.0/24", "--block-size", "28").code()).isZero();
    try (EtcdDatastore store = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
        PoolCache pools = PoolCache.start(store, soon());
        HostAllocator h = new HostAllocator(store, "node-a", pools, Clock.systemUTC())) {
      HandleRecord r = null;
      for (int i = 0; i < 3; i++) {
        r = h.allocate(new AllocateRequest(HandleId.parse("web:c" + i + ":eth0"), Origin.CALYX, Set.of(IpFamily.V4),
            List.of(IpPrefix.parseNetwork("p", "10.83.0.0/24")), List.of(), soon())).join();
      }
      CalyxCtlTest.Run show = ctl(etcd, "ipam", "show", "--show-blocks");
      assertThat(show.code()).as(show.err()).isZero();
      assertThat(show.out()).containsPattern("10\\.83\\.0\\.0/24 +256 +3 +237 +1\\.2% +1")
          .containsPattern("10\\.83\\.0\\.\\d+/28 +node-a +3 +12 +20%");
      JsonNode json = Json.MAPPER.readTree(ctl(etcd, "ipam", "show", "--show-blocks", "-o", "json").out());
      JsonNode pool = json.get("pools").findParent("cidr");
      for (JsonNode p : json.get("pools")) {
        if (p.get("cidr").textValue().equals("10.83.0.0/24")) {
          pool = p;
        }
      }
      assertThat(pool.get("used").asInt()).isEqualTo(3);
      assertThat(pool.get("free").asInt()).isEqualTo(237);
      assertThat(pool.get("blocks").get(0).get("owner").textValue()).isEqualTo("node-a");

      String ip = r.ips().getFirst().ip().toString();
      assertThat(ctl(etcd, "ipam", "show", "--ip", ip).out())
          .startsWith(ip + " is allocated to container c2 (network web, interface eth0) on node node-a since ");
      JsonNode who = Json.MAPPER.readTree(ctl(etcd, "ipam", "show", "--ip", ip, "-o", "json").out());
      assertThat(who.get("state").textValue()).isEqualTo("allocated");
      assertThat(who.get("container_id").textValue()).isEqualTo("c2");
      assertThat(ctl(etcd, "ipam", "show", "--ip", "192.0.2.1").out()).isEqualTo("192.0.2.1 is not in any pool\n");
      assertThat(ctl(etcd, "ipam", "show", "--ip", "nope").code()).isEqualTo(1);
    }
  }

  @Test
  void benchPrintsItsNumbersAndLeavesTheDatastoreAsItWas(Etcd etcd) throws Exception {
    ctl(etcd, "pool", "add", "10.84.0.0/16");
    try (EtcdDatastore store = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())))) {
      List<String> before = store.list("/calyx/", soon()).kvs().stream().map(KeyValue::key).toList();
      CalyxCtlTest.Run bench = ctl(etcd, "ipam", "bench", "--concurrency", "4", "--count", "60", "--hosts", "2", "--raw", "--warmup", "20", "-o", "json");
      assertThat(bench.code()).as(bench.err()).isZero();
      JsonNode j = Json.MAPPER.readTree(bench.out());
      assertThat(j.get("allocs_per_s").asDouble()).isPositive();
      assertThat(j.get("p99_ms").asDouble()).isGreaterThanOrEqualTo(j.get("p50_ms").asDouble());
      assertThat(j.get("raw_etcd").get("txns_per_s").asDouble()).isPositive();
      // Client CPU per operation, both sides (counted in clock ticks: a short run may round to 0).
      assertThat(j.get("client_cpu_us_per_op").isNumber()).isTrue();
      assertThat(j.get("raw_etcd").get("client_cpu_us_per_op").isNumber()).isTrue();
      // ... and by group of threads: every group on both sides, the bench's callers busy on both.
      for (JsonNode side : List.of(j, j.get("raw_etcd"))) {
        JsonNode byThread = side.get("client_cpu_us_per_op_by_thread");
        for (ThreadCpu.Group g : ThreadCpu.Group.values()) {
          assertThat(byThread.get(g.json).asDouble()).as(g.json).isGreaterThanOrEqualTo(0);
        }
        assertThat(byThread.get("callers").asDouble()).isPositive();
      }
      // One ratio per pair of alternating rounds; the run's ratio, a weighted mean of them, within their range.
      List<Double> rounds = new java.util.ArrayList<>();
      j.get("ratio_rounds").forEach(x -> rounds.add(x.asDouble()));
      assertThat(rounds).hasSize(IpamBenchCommand.ROUNDS).allSatisfy(x -> assertThat(x).isPositive());
      assertThat(j.get("ratio").asDouble()).isBetween(java.util.Collections.min(rounds), java.util.Collections.max(rounds));
      assertThat(j.get("warmup").intValue()).isEqualTo(20);
      List<String> after = store.list("/calyx/", soon()).kvs().stream().map(KeyValue::key).toList();
      assertThat(after).isEqualTo(before);
    }
    CalyxCtlTest.Run table = ctl(etcd, "ipam", "bench", "--concurrency", "2", "--count", "20");
    assertThat(table.out()).startsWith("calyx ipam: allocs_per_s=");
  }

  @Test
  void unreachableEtcdIsOneLineAndExit1Quickly() {
    long start = System.nanoTime();
    CalyxCtlTest.Run r = CalyxCtlTest.run("--etcd-endpoints", "http://127.0.0.1:1", "pool", "list");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).startsWith("calyxctl: etcd at [http://127.0.0.1:1]");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void endpointListShowsFiltersAndJson(Etcd etcd) throws Exception {
    try (EtcdDatastore store = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())))) {
      for (String[] e : new String[][] {{"n1", "web", "c1", "10.85.0.2"}, {"n1", "db", "c2", "10.85.0.3"}, {"n2", "web", "c3", "10.85.0.66"}}) {
        io.calyx.core.endpoint.Endpoint ep = new io.calyx.core.endpoint.Endpoint(HandleId.parse("epnet:" + e[2] + ":eth0"), e[0], "cali0000000000" + e[2].charAt(1),
            "0a:00:00:00:00:0" + e[2].charAt(1), List.of(IpPrefix.parse("ip", e[3] + "/32")), List.of(io.calyx.core.GroupName.of(e[1])),
            java.util.Map.of("app", e[1]), "/var/run/netns/x", java.time.Instant.parse("2026-11-21T10:00:00Z"));
        store.txn(new io.calyx.core.store.Txn(List.of(), List.of(io.calyx.core.store.Op.put(ep.key(), io.calyx.core.endpoint.EndpointCodec.encode(ep)))), soon());
      }
    }
    CalyxCtlTest.Run all = ctl(etcd, "endpoint", "list", "--network", "epnet");
    assertThat(all.code()).as(all.err()).isZero();
    assertThat(all.out().lines()).hasSize(4);
    assertThat(all.out()).containsPattern("CONTAINER +NODE +NETWORK +INTERFACE +IPS +GROUPS")
        .containsPattern("c1 +n1 +epnet +eth0 +10\\.85\\.0\\.2/32 +web");
    assertThat(ctl(etcd, "endpoint", "list", "--network", "epnet", "--node", "n1").out().lines()).hasSize(3);
    assertThat(ctl(etcd, "endpoint", "list", "--network", "epnet", "--group", "web").out().lines()).hasSize(3);
    JsonNode json = Json.MAPPER.readTree(ctl(etcd, "endpoint", "list", "--network", "epnet", "--group", "db", "-o", "json").out());
    assertThat(json).hasSize(1);
    assertThat(json.get(0).get("container_id").textValue()).isEqualTo("c2");
    assertThat(json.get(0).get("node").textValue()).isEqualTo("n1");
    assertThat(json.get(0).get("network").textValue()).isEqualTo("epnet");
    assertThat(json.get(0).get("interface").textValue()).isEqualTo("eth0");
    assertThat(json.get(0).get("ips").get(0).textValue()).isEqualTo("10.85.0.3/32");
    assertThat(json.get(0).get("groups").get(0).textValue()).isEqualTo("db");
  }
}
