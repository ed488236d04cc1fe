package io.calyx.agent.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.core.Deadline;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.node.Node;
import io.calyx.core.node.NodeCodec;
import io.calyx.core.store.InMemoryDatastore;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.ipam.Affinity;
import io.calyx.ipam.Codec;
import io.calyx.ipam.Keys;
import io.calyx.netns.NativeException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Route convergence against an etcd-like in-memory store and a fake kernel table (the real one is MultiHostTest). */
class RouteSyncTest {
  private final InMemoryDatastore store = new InMemoryDatastore();
  private final FakeTable table = new FakeTable();
  private RouteSync sync;

  /** A routing table that records calls and can be told to refuse a route. */
  static final class FakeTable implements RouteTable {
    final Set<BlockRoute> routes = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final Set<BlockRoute> refused = java.util.concurrent.ConcurrentHashMap.newKeySet();
    int installs;

    @Override
    public Set<BlockRoute> blockRoutes() {
      return new HashSet<>(routes);
    }

    @Override
    public synchronized void install(BlockRoute r) {
      if (refused.contains(r)) {
        throw new NativeException("RTM_NEWROUTE " + r + ": Network is unreachable (ENETUNREACH)");
      }
      installs++;
      routes.removeIf(x -> x.block().equals(r.block()));
      routes.add(r);
    }

    @Override
    public void remove(BlockRoute r) {
      routes.remove(r);
    }
  }

  @AfterEach
  void stop() {
    if (sync != null) {
      sync.close();
    }
  }

  private static Deadline soon() {
    return Deadline.in(Duration.ofSeconds(5), Clock.systemUTC());
  }

  private static IpPrefix p(String s) {
    return IpPrefix.parseNetwork("p", s);
  }

  private static IpAddress ip(String s) {
    return IpAddress.parse("ip", s);
  }

  private void claim(String host, String block) {
    store.txn(new Txn(List.of(), List.of(Op.put(Keys.affinity(host, p(block)), Codec.encode(new Affinity(host, p(block), Instant.EPOCH))))), soon());
  }

  private void unclaim(String host, String block) {
    store.txn(new Txn(List.of(), List.of(Op.delete(Keys.affinity(host, p(block))))), soon());
  }

  private void register(String name, String ipv4, Instant heartbeat) {
    Node n = new Node(name, Optional.ofNullable(ipv4).map(RouteSyncTest::ip), Optional.empty(), "t", Instant.EPOCH, heartbeat);
    store.txn(new Txn(List.of(), List.of(Op.put(n.key(), NodeCodec.encode(n)))), soon());
  }

  private void await(Set<BlockRoute> expected) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!table.routes.equals(expected) && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(table.routes).containsExactlyInAnyOrderElementsOf(expected);
  }

  private RouteSync start() {
    sync = new RouteSync(store, "a", table, Duration.ofHours(1), Clock.systemUTC()).start();
    return sync;
  }

  @Test
  void ownBlocksAreBlackholedAndRemoteBlocksRoutedViaTheirHost() throws Exception {
    register("a", "192.0.2.1", Instant.now());
    register("b", "192.0.2.2", Instant.now());
    claim("a", "10.0.0.0/26");
    claim("b", "10.0.0.64/26");
    claim("c", "10.0.0.128/26"); // c never registered: no address to route to yet
    start();
    await(Set.of(BlockRoute.blackhole(p("10.0.0.0/26")), BlockRoute.via(p("10.0.0.64/26"), ip("192.0.2.2"))));

    register("c", "192.0.2.3", Instant.now());
    claim("b", "10.0.1.0/26");
    await(Set.of(BlockRoute.blackhole(p("10.0.0.0/26")), BlockRoute.via(p("10.0.0.64/26"), ip("192.0.2.2")),
        BlockRoute.via(p("10.0.1.0/26"), ip("192.0.2.2")), BlockRoute.via(p("10.0.0.128/26"), ip("192.0.2.3"))));

    // A host moves to another address: its routes follow. Its block is released: the route goes.
    register("b", "192.0.2.22", Instant.now());
    unclaim("b", "10.0.1.0/26");
    await(Set.of(BlockRoute.blackhole(p("10.0.0.0/26")), BlockRoute.via(p("10.0.0.64/26"), ip("192.0.2.22")),
        BlockRoute.via(p("10.0.0.128/26"), ip("192.0.2.3"))));

    // A node record deleted (node delete removes its blocks first, but even alone): no address, no route.
    store.txn(new Txn(List.of(), List.of(Op.delete(Node.key("c")))), soon());
    await(Set.of(BlockRoute.blackhole(p("10.0.0.0/26")), BlockRoute.via(p("10.0.0.64/26"), ip("192.0.2.22"))));
  }

  @Test
  void staleHeartbeatsAndUnreachableEtcdNeverRemoveRoutes() throws Exception {
    register("a", "192.0.2.1", Instant.now());
    register("b", "192.0.2.2", Instant.EPOCH); // its agent has been silent for decades
    claim("b", "10.0.0.64/26");
    start();
    Set<BlockRoute> expected = Set.of(BlockRoute.via(p("10.0.0.64/26"), ip("192.0.2.2")));
    await(expected);
    int installs = table.installs;
    register("b", "192.0.2.2", Instant.now()); // a heartbeat changes nothing
    store.setUnavailable(true);
    sync.resyncNowQuietly();
    Thread.sleep(100);
    assertThat(table.routes).isEqualTo(expected);
    assertThat(table.installs).isEqualTo(installs);
  }

  @Test
  void aFullPassRepairsDriftAndLeavesForeignRoutesAlone() throws Exception {
    register("b", "192.0.2.2", Instant.now());
    claim("a", "10.0.0.0/26");
    claim("b", "10.0.0.64/26");
    // Left over from before a restart: a route to a block nobody owns any more, and a stale next hop.
    table.routes.add(BlockRoute.via(p("10.9.0.0/26"), ip("192.0.2.9")));
    table.routes.add(BlockRoute.via(p("10.0.0.64/26"), ip("192.0.2.99")));
    start();
    Set<BlockRoute> expected = Set.of(BlockRoute.blackhole(p("10.0.0.0/26")), BlockRoute.via(p("10.0.0.64/26"), ip("192.0.2.2")));
    await(expected);
    table.routes.clear(); // someone flushed the table
    sync.resyncNow();
    assertThat(table.routes).isEqualTo(expected);
  }

  @Test
  void aRouteTheKernelRefusesIsRetriedByTheNextPass() throws Exception {
    register("b", "198.51.100.2", Instant.now());
    claim("b", "10.0.0.64/26");
    BlockRoute route = BlockRoute.via(p("10.0.0.64/26"), ip("198.51.100.2"));
    table.refused.add(route);
    start();
    Thread.sleep(200);
    assertThat(table.routes).isEmpty();
    table.refused.clear();
    sync.resyncNow();
    assertThat(table.routes).containsExactly(route);
  }

  @Test
  void desiredRoutesPickOneOwnerForABlockClaimedTwice() {
    Map<String, Node> nodes = Map.of(
        "b", new Node("b", Optional.of(ip("192.0.2.2")), Optional.empty(), "t", Instant.EPOCH, Instant.EPOCH),
        "c", new Node("c", Optional.of(ip("192.0.2.3")), Optional.empty(), "t", Instant.EPOCH, Instant.EPOCH));
    Set<BlockRoute> r1 = DesiredRoutes.compute("a", List.of(new DesiredRoutes.Ownership("c", p("10.0.0.0/26")),
        new DesiredRoutes.Ownership("b", p("10.0.0.0/26"))), nodes);
    Set<BlockRoute> r2 = DesiredRoutes.compute("a", List.of(new DesiredRoutes.Ownership("b", p("10.0.0.0/26")),
        new DesiredRoutes.Ownership("c", p("10.0.0.0/26"))), nodes);
    assertThat(r1).isEqualTo(r2).containsExactly(BlockRoute.via(p("10.0.0.0/26"), ip("192.0.2.2")));
    assertThat(DesiredRoutes.compute("a", List.of(new DesiredRoutes.Ownership("b", p("fd00::/122"))), nodes))
        .as("no IPv6 address for b: no IPv6 route").isEmpty();
  }

  @Test
  void aBlockClaimedTwiceGoesToAnOwnerThatCanBeRoutedTo() {
    // "a-gone" sorts first but has no node record (a stray affinity of a host that is gone): the block goes
    // to the live owner, on every host alike, and the live owner blackholes it.
    Map<String, Node> nodes = Map.of("c", new Node("c", Optional.of(ip("192.0.2.3")), Optional.empty(), "t", Instant.EPOCH, Instant.EPOCH),
        "self", new Node("self", Optional.of(ip("192.0.2.9")), Optional.empty(), "t", Instant.EPOCH, Instant.EPOCH));
    List<DesiredRoutes.Ownership> twice = List.of(new DesiredRoutes.Ownership("a-gone", p("10.0.0.0/26")),
        new DesiredRoutes.Ownership("c", p("10.0.0.0/26")));
    assertThat(DesiredRoutes.compute("self", twice, nodes)).containsExactly(BlockRoute.via(p("10.0.0.0/26"), ip("192.0.2.3")));
    assertThat(DesiredRoutes.compute("c", twice, nodes)).containsExactly(BlockRoute.blackhole(p("10.0.0.0/26")));
    assertThat(DesiredRoutes.compute("self", List.of(new DesiredRoutes.Ownership("a-gone", p("10.0.0.64/26")),
        new DesiredRoutes.Ownership("b-gone", p("10.0.0.64/26"))), nodes)).as("no owner can be routed to: no route").isEmpty();
  }
}
