package io.calyx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.calyx.core.Deadline;
import io.calyx.core.GroupName;
import io.calyx.core.HandleId;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.endpoint.EndpointCodec;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.node.Node;
import io.calyx.core.node.NodeCodec;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.ipam.Affinity;
import io.calyx.ipam.AllocateRequest;
import io.calyx.ipam.Codec;
import io.calyx.ipam.HandleRecord;
import io.calyx.ipam.HostAllocator;
import io.calyx.ipam.Keys;
import io.calyx.ipam.Origin;
import io.calyx.ipam.PoolCache;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ipam check} and {@code ipam release} against a real etcd populated through the real IPAM, with each
 * kind of inconsistency seeded one after the other. The class has its own etcd: check looks at everything.
 */
@ExtendWith(EtcdExtension.class)
class CliIpamCheckTest {
  private static final IpPrefix POOL = IpPrefix.parseNetwork("p", "10.86.0.0/24");

  private static CalyxCtlTest.Run ctl(Etcd etcd, String... args) {
    return CalyxCtlTest.against(etcd, args);
  }

  private static Deadline soon() {
    return Deadline.in(Duration.ofSeconds(10), Clock.systemUTC());
  }

  private static void put(EtcdDatastore store, String key, byte[] value) {
    store.txn(new Txn(List.of(), List.of(Op.put(key, value))), soon());
  }

  private static void delete(EtcdDatastore store, String key) {
    store.txn(new Txn(List.of(), List.of(Op.delete(key))), soon());
  }

  private static void register(EtcdDatastore store, String name) {
    Node n = new Node(name, Optional.of(IpAddress.parse("ip", "192.0.2.9")), Optional.empty(), "0.1.0", Instant.now(), Instant.now());
    put(store, n.key(), NodeCodec.encode(n));
  }

  private static Endpoint endpoint(HandleId handle, String node, String ip) {
    return new Endpoint(handle, node, "cali0000000ck", "ee:ee:ee:ee:ee:0c", List.of(IpPrefix.parse("ip", ip + "/32")),
        List.of(GroupName.of("web")), Map.of(), "/x", Instant.now());
  }

  private static HandleRecord allocate(HostAllocator a, String handle, IpPrefix pool) {
    return a.allocate(new AllocateRequest(HandleId.parse(handle), Origin.CALYX, Set.of(IpFamily.V4), List.of(pool), List.of(), soon())).join();
  }

  /** The problems of a JSON report as "kind subject" strings. */
  private static List<String> problems(CalyxCtlTest.Run run) throws Exception {
    JsonNode json = Json.MAPPER.readTree(run.out());
    List<String> out = new ArrayList<>();
    json.get("problems").forEach(p -> out.add(p.get("kind").textValue() + " " + p.get("subject").textValue()));
    return out;
  }

  private static String ip(HandleRecord r) {
    return r.ips().getFirst().ip().toString();
  }

  @Test
  void findsEachSeededInconsistencyAndReleaseRepairsALeak(Etcd etcd) throws Exception {
    assertThat(ctl(etcd, "pool", "add", POOL.toString(), "--block-size", "28").code()).isZero();
    IpPrefix stray = IpPrefix.parseNetwork("p", "10.87.0.0/28");
    assertThat(ctl(etcd, "pool", "add", stray.toString(), "--block-size", "28").code()).isZero();
    Clock anHourAgo = Clock.offset(Clock.systemUTC(), Duration.ofHours(-1));
    try (EtcdDatastore store = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
        PoolCache pools = PoolCache.start(store, soon());
        HostAllocator a = new HostAllocator(store, "ck-a", pools, Clock.systemUTC());
        HostAllocator oldA = new HostAllocator(store, "ck-a", pools, anHourAgo);
        HostAllocator gone = new HostAllocator(store, "ck-gone", pools, Clock.systemUTC())) {
      register(store, "ck-a");
      HandleRecord used = allocate(a, "web:c1:eth0", POOL);
      put(store, Endpoint.key("ck-a", used.handle()), EndpointCodec.encode(endpoint(used.handle(), "ck-a", ip(used))));
      HandleRecord inFlight = allocate(a, "web:adding:eth0", POOL);

      CalyxCtlTest.Run clean = ctl(etcd, "ipam", "check");
      assertThat(clean.code()).as(clean.out() + clean.err()).isZero();
      assertThat(clean.out()).as("an allocation within the grace period is an ADD in flight, not a leak")
          .isEqualTo("no problems: 8 documents and 2 allocated address(es) checked\n");
      assertThat(clean.err()).isEmpty();

      HandleRecord leaked = allocate(oldA, "web:leak:eth0", POOL);
      Endpoint unallocated = endpoint(HandleId.parse("web:ghost:eth0"), "ck-a", "10.86.0.200");
      put(store, unallocated.key(), EndpointCodec.encode(unallocated));
      Endpoint outside = endpoint(HandleId.parse("web:outside:eth0"), "ck-a", "192.0.2.50");
      put(store, outside.key(), EndpointCodec.encode(outside));
      HandleRecord departed = allocate(gone, "web:g1:eth0", POOL);
      IpPrefix block = used.ips().getFirst().block();
      put(store, Keys.affinity("ck-b", block), Codec.encode(new Affinity("ck-b", block, Instant.now())));
      delete(store, Keys.affinity("ck-gone", departed.ips().getFirst().block()));
      put(store, Keys.BLOCKS + "10.86.0.240-28", "{\"schema\":1,\"cidr\":".getBytes(StandardCharsets.UTF_8));
      HandleRecord orphan = allocate(a, "web:orphan:eth0", POOL);
      delete(store, Keys.handle(orphan.handle()));
      // A block whose pool is gone: its pool document removed behind calyx's back.
      HandleRecord strayed = allocate(a, "web:stray:eth0", stray);
      put(store, Endpoint.key("ck-a", strayed.handle()), EndpointCodec.encode(endpoint(strayed.handle(), "ck-a", ip(strayed))));
      delete(store, Keys.pool(stray));

      CalyxCtlTest.Run json = ctl(etcd, "ipam", "check", "-o", "json", "--progress", "always");
      assertThat(json.code()).as(json.err()).isEqualTo(IpamCheckCommand.PROBLEMS);
      assertThat(problems(json)).containsExactlyInAnyOrder(
          "invalid-document " + Keys.BLOCKS + "10.86.0.240-28",
          "leaked-allocation " + ip(leaked),
          "endpoint-without-allocation 10.86.0.200",
          "endpoint-without-allocation 192.0.2.50",
          "outside-pool 192.0.2.50",
          "outside-pool " + ip(strayed),
          "outside-pool " + ip(strayed),
          "departed-node ck-gone",
          "duplicate-affinity " + block,
          "missing-affinity " + departed.ips().getFirst().block(),
          "handle-mismatch " + ip(orphan));
      assertThat(json.err()).as("progress goes to stderr only").contains("calyxctl: checked ").endsWith(" documents\n");
      assertThat(Json.MAPPER.readTree(json.out()).get("clean").booleanValue()).isFalse();

      CalyxCtlTest.Run table = ctl(etcd, "ipam", "check");
      assertThat(table.code()).isEqualTo(3);
      assertThat(table.out()).containsPattern("\nleaked-allocation +" + ip(leaked).replace(".", "\\.") + " +allocated to web:leak:eth0 on node ck-a")
          .contains("(calyxctl ipam release --ip " + ip(leaked) + ")").contains("\n11 problem(s) in ");
      assertThat(table.err()).as("not a terminal, not large: no progress").isEmpty();

      // Release: refused while the endpoint exists, forced, and the leak is repaired.
      CalyxCtlTest.Run refused = ctl(etcd, "ipam", "release", "--ip", ip(used));
      assertThat(refused.code()).isEqualTo(1);
      assertThat(refused.err().lines()).singleElement().asString()
          .isEqualTo("calyxctl: " + ip(used) + " belongs to the endpoint of container c1 (network web, interface eth0) on node ck-a;"
              + " its container may still run: use --force to release it anyway");
      assertThat(store.get(Keys.handle(used.handle()), soon())).as("a refusal changes nothing").isPresent();
      CalyxCtlTest.Run repaired = ctl(etcd, "ipam", "release", "--ip", ip(leaked));
      assertThat(repaired.code()).as(repaired.err()).isZero();
      assertThat(repaired.out()).isEqualTo("released " + ip(leaked) + " (was held by container leak, network web, interface eth0)\n");
      assertThat(store.get(Keys.handle(leaked.handle()), soon())).isEmpty();
      assertThat(problems(ctl(etcd, "ipam", "check", "-o", "json"))).doesNotContain("leaked-allocation " + ip(leaked));
      CalyxCtlTest.Run again = ctl(etcd, "ipam", "release", "--ip", ip(leaked));
      assertThat(again.code()).isEqualTo(1);
      assertThat(again.err()).isEqualTo("calyxctl: " + ip(leaked) + " is not allocated (calyxctl ipam show --ip " + ip(leaked) + ")\n");
      CalyxCtlTest.Run forced = ctl(etcd, "ipam", "release", "--ip", ip(used), "--force", "-o", "json");
      assertThat(forced.code()).as(forced.err()).isZero();
      assertThat(Json.MAPPER.readTree(forced.out()).get("handle").textValue()).isEqualTo("web:c1:eth0");
      assertThat(store.get(io.calyx.core.endpoint.Endpoint.key("ck-a", used.handle()), soon())).as("forced: its endpoint record went with it")
          .isEmpty();
      assertThat(problems(ctl(etcd, "ipam", "check", "-o", "json"))).as("no endpoint is left without its allocation")
          .doesNotContain("endpoint-without-allocation " + ip(used));
      assertThat(store.get(Keys.handle(inFlight.handle()), soon())).isPresent();

      assertThat(ctl(etcd, "ipam", "release").code()).as("--ip is required").isEqualTo(2);
      assertThat(ctl(etcd, "ipam", "release", "--ip", "10.86.0.999").code()).isEqualTo(1);
      assertThat(ctl(etcd, "ipam", "check", "--grace", "soon").code()).isEqualTo(2);
    }
  }

  @Test
  void unreachableEtcdIsExit1NotExit3() {
    CalyxCtlTest.Run r = CalyxCtlTest.run("--etcd-endpoints", "http://127.0.0.1:1", "ipam", "check");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().lines()).singleElement().asString().startsWith("calyxctl: etcd at [http://127.0.0.1:1]");
  }
}
