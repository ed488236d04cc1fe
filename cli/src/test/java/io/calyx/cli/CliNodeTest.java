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
import io.calyx.ipam.AllocateRequest;
import io.calyx.ipam.HandleRecord;
import io.calyx.ipam.HostAllocator;
import io.calyx.ipam.Keys;
import io.calyx.ipam.Origin;
import io.calyx.ipam.PoolCache;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code calyxctl node list / delete} against a real etcd populated through the real IPAM. */
@ExtendWith(EtcdExtension.class)
class CliNodeTest {
  private static CalyxCtlTest.Run ctl(Etcd etcd, String... args) {
    return CalyxCtlTest.against(etcd, args);
  }

  private static Deadline soon() {
    return Deadline.in(Duration.ofSeconds(10), Clock.systemUTC());
  }

  private static void register(EtcdDatastore store, String name, String ip, Instant heartbeat) {
    Node n = new Node(name, Optional.of(IpAddress.parse("ip", ip)), Optional.empty(), "0.1.0", heartbeat, heartbeat);
    store.txn(new Txn(List.of(), List.of(Op.put(n.key(), NodeCodec.encode(n)))), soon());
  }

  @Test
  void listShowsLivenessBlocksAndEndpointsAndDeleteFreesADepartedNode(Etcd etcd) throws Exception {
    assertThat(ctl(etcd, "pool", "add", "10.84.0.0/24", "--block-size", "28").code()).isZero();
    IpPrefix pool = IpPrefix.parseNetwork("p", "10.84.0.0/24");
    try (EtcdDatastore store = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
        PoolCache pools = PoolCache.start(store, soon());
        HostAllocator live = new HostAllocator(store, "cn-live", pools, Clock.systemUTC());
        HostAllocator gone = new HostAllocator(store, "cn-gone", pools, Clock.systemUTC())) {
      register(store, "cn-live", "192.0.2.1", Instant.now());
      register(store, "cn-gone", "192.0.2.2", Instant.now().minus(Duration.ofHours(1)));
      live.allocate(new AllocateRequest(HandleId.parse("n:live1:eth0"), Origin.CALYX, Set.of(IpFamily.V4), List.of(pool), List.of(), soon())).join();
      HandleRecord held = gone.allocate(new AllocateRequest(HandleId.parse("n:gone1:eth0"), Origin.CALYX, Set.of(IpFamily.V4), List.of(pool),
          List.of(), soon())).join();
      Endpoint e = new Endpoint(held.handle(), "cn-gone", "cali00000000001", "ee:ee:ee:ee:ee:01",
          List.of(IpPrefix.host(held.ips().getFirst().ip())), List.of(GroupName.of("web")), Map.of(), "/x", Instant.now());
      store.txn(new Txn(List.of(), List.of(Op.put(e.key(), EndpointCodec.encode(e)))), soon());

      CalyxCtlTest.Run list = ctl(etcd, "node", "list");
      assertThat(list.code()).as(list.err()).isZero();
      assertThat(list.out()).containsPattern("\ncn-gone +192\\.0\\.2\\.2 +no \\(36\\d\\d s ago\\) +1 +1 +0\\.1\\.0\n")
          .containsPattern("\ncn-live +192\\.0\\.2\\.1 +yes \\(\\d s ago\\) +1 +0 +0\\.1\\.0\n");
      JsonNode json = Json.MAPPER.readTree(ctl(etcd, "node", "list", "-o", "json").out());
      JsonNode goneJson = java.util.stream.StreamSupport.stream(json.spliterator(), false)
          .filter(n -> n.get("name").asText().equals("cn-gone")).findFirst().orElseThrow();
      assertThat(goneJson.get("alive").asBoolean()).isFalse();
      assertThat(goneJson.get("blocks").get(0).asText()).isEqualTo(held.ips().getFirst().block().toString());
      assertThat(goneJson.get("endpoints").asInt()).isEqualTo(1);

      CalyxCtlTest.Run alive = ctl(etcd, "node", "delete", "cn-live");
      assertThat(alive.code()).isEqualTo(1);
      assertThat(alive.err().lines()).singleElement().asString().contains("node cn-live is alive").contains("--force");
      CalyxCtlTest.Run inUse = ctl(etcd, "node", "delete", "cn-gone");
      assertThat(inUse.code()).isEqualTo(1);
      assertThat(inUse.err()).contains("still has 1 endpoint(s) and 1 allocated address(es); they are freed only with --force");
      assertThat(store.get(Keys.block(held.ips().getFirst().block()), soon())).as("a refusal changes nothing").isPresent();
      CalyxCtlTest.Run unknown = ctl(etcd, "node", "delete", "cn-never");
      assertThat(unknown.code()).isEqualTo(1);
      assertThat(unknown.err()).contains("no node \"cn-never\"");

      CalyxCtlTest.Run forced = ctl(etcd, "node", "delete", "cn-gone", "--force");
      assertThat(forced.code()).as(forced.err()).isZero();
      assertThat(forced.out()).isEqualTo("deleted node cn-gone: 1 block(s) freed, 1 endpoint(s) and 1 allocation(s) removed\n");
      assertThat(store.get(Keys.block(held.ips().getFirst().block()), soon())).isEmpty();
      assertThat(store.get(Keys.handle(held.handle()), soon())).isEmpty();
      assertThat(store.get(e.key(), soon())).isEmpty();
      assertThat(store.list(Keys.affinities("cn-gone"), soon()).kvs()).isEmpty();
      assertThat(ctl(etcd, "node", "list").out()).doesNotContain("cn-gone").contains("cn-live");
      assertThat(ctl(etcd, "node").code()).as("no subcommand").isEqualTo(2);
    }
  }
}
