package io.calyx.ipam;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.calyx.core.store.InMemoryDatastore;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The cross-referencing of {@link IpamCheck} on snapshots of an in-memory store filled by the real allocator. */
class IpamCheckTest {
  private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
  private final InMemoryDatastore store = new InMemoryDatastore();

  private static Deadline soon() {
    return Deadline.in(Duration.ofSeconds(5), Clock.systemUTC());
  }

  private IpamCheck.Snapshot snapshot() {
    return new IpamCheck.Snapshot(list(Keys.POOLS), list(Keys.BLOCKS), list(Keys.HANDLES), list(Keys.AFFINITIES), list(Endpoint.ROOT),
        list(Node.ROOT));
  }

  private List<KeyValue> list(String prefix) {
    return store.list(prefix, soon()).kvs();
  }

  private void put(String key, byte[] value) {
    store.txn(new Txn(List.of(), List.of(Op.put(key, value))), soon());
  }

  private HandleRecord allocateAt(Instant when, String handle) {
    try (PoolCache cache = PoolCache.start(store, soon());
        HostAllocator a = new HostAllocator(store, "n1", cache, Clock.fixed(when, ZoneOffset.UTC))) {
      return a.allocate(new AllocateRequest(HandleId.parse(handle), Origin.CALYX, Set.of(IpFamily.V4), List.of(), List.of(), soon())).join();
    }
  }

  private void endpointFor(HandleRecord r) {
    Endpoint e = new Endpoint(r.handle(), "n1", "cali00000000001", "0a:00:00:00:00:01", List.of(IpPrefix.host(r.ips().getFirst().ip())),
        List.of(GroupName.of("g")), Map.of(), "/x", T0);
    put(e.key(), EndpointCodec.encode(e));
  }

  private void node(Instant heartbeat) {
    Node n = new Node("n1", Optional.of(IpAddress.parse("ip", "192.0.2.1")), Optional.empty(), "v", heartbeat, heartbeat);
    put(n.key(), NodeCodec.encode(n));
  }

  private static IpamCheck.Settings at(Instant now) {
    return new IpamCheck.Settings(now, IpamCheck.Settings.DEFAULT_GRACE, IpamCheck.Settings.DEFAULT_DEPARTED_AFTER);
  }

  @Test
  void aConsistentStoreIsCleanAndEveryDocumentIsCounted() {
    new Pools(store, Clock.systemUTC()).add(IpPrefix.parseNetwork("p", "10.9.0.0/24"), Optional.of(28), soon());
    node(T0);
    endpointFor(allocateAt(T0, "n:c1:eth0"));
    List<int[]> progress = new ArrayList<>();
    IpamCheck.Report r = IpamCheck.check(snapshot(), at(T0.plusSeconds(30)), (done, total) -> progress.add(new int[] {done, total}));
    assertThat(r.problems()).isEmpty();
    assertThat(r.clean()).isTrue();
    assertThat(r.documents()).isEqualTo(6).isEqualTo(snapshot().size());
    assertThat(r.allocations()).isEqualTo(1);
    assertThat(progress).as("the last report says all is done").last().satisfies(p -> assertThat(p).containsExactly(6, 6));
  }

  @Test
  void leaksAreJudgedOnlyAfterTheGraceAndDepartureOnlyAfterItsTime() {
    new Pools(store, Clock.systemUTC()).add(IpPrefix.parseNetwork("p", "10.9.0.0/24"), Optional.of(28), soon());
    node(T0);
    HandleRecord r = allocateAt(T0, "n:c1:eth0");
    String ip = r.ips().getFirst().ip().toString();
    assertThat(IpamCheck.check(snapshot(), at(T0.plus(IpamCheck.Settings.DEFAULT_GRACE)), IpamCheck.Progress.NONE).problems())
        .as("exactly at the grace: still an ADD in flight").isEmpty();
    Instant later = T0.plus(IpamCheck.Settings.DEFAULT_DEPARTED_AFTER).plusSeconds(1);
    assertThat(IpamCheck.check(snapshot(), at(later), IpamCheck.Progress.NONE).problems())
        .extracting(p -> p.kind().text() + " " + p.subject())
        .containsExactly("leaked-allocation " + ip, "departed-node n1");
  }

  @Test
  void aDocumentUnderAnotherDocumentsKeyIsInvalid() {
    new Pools(store, Clock.systemUTC()).add(IpPrefix.parseNetwork("p", "10.9.0.0/24"), Optional.of(28), soon());
    KeyValue pool = list(Keys.POOLS).getFirst();
    put(Keys.POOLS + "10.10.0.0-24", pool.value());
    assertThat(IpamCheck.check(snapshot(), at(T0), IpamCheck.Progress.NONE).problems()).singleElement().satisfies(p -> {
      assertThat(p.kind()).isEqualTo(IpamCheck.Kind.INVALID_DOCUMENT);
      assertThat(p.subject()).isEqualTo(Keys.POOLS + "10.10.0.0-24");
      assertThat(p.detail()).contains("holds the document of " + Keys.pool(IpPrefix.parseNetwork("p", "10.9.0.0/24")));
    });
  }

  /** A pool stored with blocks larger than pool add allows today is reported; one at the limit is not. */
  @Test
  void poolsWithBlocksLargerThanPoolAddAllowsAreReported() {
    Instant created = Instant.parse("2026-01-01T00:00:00Z");
    put(Keys.pool(IpPrefix.parseNetwork("p", "10.16.0.0/12")), Codec.encode(new Pool(IpPrefix.parseNetwork("p", "10.16.0.0/12"), 16, false, created)));
    put(Keys.pool(IpPrefix.parseNetwork("p", "10.32.0.0/16")), Codec.encode(new Pool(IpPrefix.parseNetwork("p", "10.32.0.0/16"), 20, false, created)));
    put(Keys.pool(IpPrefix.parseNetwork("p", "fd00::/104")), Codec.encode(new Pool(IpPrefix.parseNetwork("p", "fd00::/104"), 115, false, created)));
    assertThat(IpamCheck.check(snapshot(), at(T0), IpamCheck.Progress.NONE).problems())
        .extracting(p -> p.kind().text() + " " + p.subject())
        .containsExactlyInAnyOrder("oversized-blocks 10.16.0.0/12", "oversized-blocks fd00::/104");
    List<IpamCheck.Problem> problems = IpamCheck.check(snapshot(), at(T0), IpamCheck.Progress.NONE).problems();
    assertThat(problems.getFirst().detail()).contains("65536 addresses (/16)", "request limit", "at most 4096");
    assertThat(problems.getLast().detail()).as("8,192 addresses stay under the request limit").contains("8192 addresses (/115)", "~720 KB")
        .doesNotContain("request limit");
  }
}
