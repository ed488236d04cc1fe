package io.calyx.policy;

import static io.calyx.policy.Fixtures.endpoint;
import static io.calyx.policy.Fixtures.handle;
import static io.calyx.policy.Fixtures.veth;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.GroupName;
import io.calyx.core.InvalidValueException;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.policy.Profile;
import io.calyx.core.policy.Rule;
import io.calyx.policy.nft.InMemoryNftApplier;
import io.calyx.policy.nft.NftException;
import io.calyx.policy.render.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine's contract with the agent, against the in-memory nft: failures, drift, profiles, threads. */
class PolicyEngineTest {
  private final InMemoryNftApplier nft = new InMemoryNftApplier();
  private PolicyEngine engine;

  @BeforeEach
  void start() {
    engine = new PolicyEngine("h0", List.of(5051), nft, ProfileLoader.DEFAULTS);
    engine.reconcile(List.of(), List.of());
  }

  private Endpoint local(int n, String ip, String... groups) {
    return endpoint("h0", "c" + n, veth(n), List.of(ip), List.of(groups));
  }

  @Test
  void anAddIsOneBatch() {
    int before = nft.batches().size();
    engine.endpointAdded(local(1, "10.0.0.1", "web"));
    assertThat(nft.batches()).hasSize(before + 1);
    assertThat(nft.readTable().orElseThrow().maps().get(Names.MAP_IN)).containsEntry(veth(1), "in_" + veth(1));
    engine.endpointAdded(local(1, "10.0.0.1", "web"));
    assertThat(nft.batches()).as("a retried ADD with the same record changes nothing").hasSize(before + 1);
  }

  @Test
  void aRefusedBatchIsRepairedByAFullReplacement() {
    nft.failNext(1, "Error: Could not process rule: No such file or directory");
    engine.endpointAdded(local(1, "10.0.0.1", "web"));
    assertThat(engine.stats().fullReplacements()).isEqualTo(2);
    assertThat(nft.readTable()).contains(engine.model().recompute().snapshot());
  }

  @Test
  void anAddNftRefusesTwiceFailsAndLeavesNothing() {
    engine.endpointAdded(local(1, "10.0.0.1", "web"));
    nft.failNext(2, "Error: Could not process rule: Operation not permitted");
    assertThatThrownBy(() -> engine.endpointAdded(local(2, "10.0.0.2", "db")))
        .isInstanceOf(NftException.class).hasMessageContaining("Operation not permitted");
    assertThat(engine.model().local(Endpoint.key("h0", handle("c2")))).isEmpty();
    assertThat(engine.model().members()).doesNotContainKey(Endpoint.key("h0", handle("c2")));
    assertThat(engine.repair()).as("the next call replaces the table").contains("a previous apply failed");
    assertThat(nft.readTable()).contains(engine.model().recompute().snapshot());
    assertThat(nft.readTable().orElseThrow().maps().get(Names.MAP_IN)).containsOnlyKeys(veth(1));
  }

  @Test
  void aRemoteChangeNftRefusesStaysInTheModelAndIsAppliedNextTime() {
    engine.endpointAdded(local(1, "10.0.0.1", "web"));
    nft.failNext(2, "Error: boom");
    Endpoint remote = endpoint("h1", "r1", "eth0", List.of("10.1.0.1"), List.of("web"));
    assertThatThrownBy(() -> engine.remoteEndpointChanged(remote)).isInstanceOf(NftException.class);
    engine.remoteEndpointChanged(endpoint("h1", "r2", "eth0", List.of("10.1.0.2"), List.of("web")));
    assertThat(nft.readTable().orElseThrow().sets().get(Names.memberSet(GroupName.of("web"), io.calyx.core.net.IpFamily.V4)).elements())
        .extracting(Object::toString).containsExactlyInAnyOrder("10.0.0.1", "10.1.0.1", "10.1.0.2");
  }

  @Test
  void repairFindsAndFixesDrift() {
    engine.endpointAdded(local(1, "10.0.0.1", "web"));
    assertThat(engine.repair()).isEmpty();
    nft.deleteTable();
    assertThat(engine.repair()).contains("table inet calyx is missing");
    assertThat(nft.readTable()).contains(engine.model().applied().snapshot());
    nft.flushChain("in_" + veth(1));
    assertThat(engine.repair()).hasValueSatisfying(d -> assertThat(d).contains("chain in_" + veth(1) + " has 0 rule(s)"));
    assertThat(engine.repair()).isEmpty();
  }

  @Test
  void anIncrementalBatchOnADriftedTableFallsBackToReplacing() {
    engine.endpointAdded(local(1, "10.0.0.1", "web"));
    nft.deleteTable();
    engine.endpointRemoved(handle("c1"));
    assertThat(nft.readTable()).contains(engine.model().recompute().snapshot());
  }

  @Test
  void profilesComeFromTheLoaderOnFirstUseOnly() {
    AtomicInteger loads = new AtomicInteger();
    Profile open = new Profile(GroupName.of("web"), List.of(Rule.allowAll()), List.of(Rule.allowAll()));
    PolicyEngine e = new PolicyEngine("h0", List.of(), nft, g -> {
      loads.incrementAndGet();
      return g.value().equals("web") ? open : Profile.defaultFor(g);
    });
    e.reconcile(List.of(), List.of());
    e.endpointAdded(local(1, "10.0.0.1", "web"));
    e.endpointAdded(local(2, "10.0.0.2", "web", "db"));
    assertThat(loads).hasValue(2);
    assertThat(nft.rules(Names.profileIngress(GroupName.of("web")))).containsExactly("accept");
    e.profileChanged(Profile.defaultFor(GroupName.of("web")));
    assertThat(nft.rules(Names.profileIngress(GroupName.of("web")))).hasSize(2);
  }

  @Test
  void refusesForeignAndMalformedRecords() {
    assertThatThrownBy(() -> engine.endpointAdded(endpoint("h1", "c1", veth(1), List.of("10.0.0.1"), List.of("web"))))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("belongs to node \"h1\"");
    assertThatThrownBy(() -> engine.endpointAdded(endpoint("h0", "c1", "eth0; flush ruleset", List.of("10.0.0.1"), List.of("web"))))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("not a calyx host veth name");
    engine.remoteEndpointChanged(endpoint("h0", "c9", veth(9), List.of("10.0.0.9"), List.of("web")));
    assertThat(engine.model().members()).as("this node's records come through endpointAdded").isEmpty();
  }

  @Test
  void reconcileReplacesTheModel() {
    engine.endpointAdded(local(1, "10.0.0.1", "web"));
    engine.remoteEndpointChanged(endpoint("h1", "r1", "eth0", List.of("10.1.0.1"), List.of("web")));
    Profile db = new Profile(GroupName.of("db"), List.of(Rule.allowAll()), List.of());
    assertThat(engine.reconcile(List.of(local(2, "10.0.0.2", "db"), endpoint("h2", "r2", "eth0", List.of("10.2.0.2"), List.of("db"))), List.of(db)))
        .as("the kernel held the old state").isPresent();
    assertThat(engine.model().locals()).extracting(l -> l.veth()).containsExactly(veth(2));
    assertThat(nft.readTable()).contains(engine.model().recompute().snapshot());
    assertThat(nft.rules(Names.profileIngress(GroupName.of("db")))).containsExactly("accept");
    assertThat(engine.reconcile(engine.model().locals().isEmpty() ? List.of() : List.of(local(2, "10.0.0.2", "db"),
        endpoint("h2", "r2", "eth0", List.of("10.2.0.2"), List.of("db"))), List.of(db))).as("nothing drifted since").isEmpty();
  }

  @Test
  void concurrentCallersAreSerialised() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> all = new ArrayList<>();
    ConcurrentHashMap<Integer, Boolean> added = new ConcurrentHashMap<>();
    for (int t = 0; t < 8; t++) {
      int base = t * 100;
      all.add(pool.submit(() -> {
        for (int i = 0; i < 50; i++) {
          int n = base + i;
          engine.endpointAdded(local(n, "10.0." + (n / 250) + "." + (1 + n % 250), "g" + (n % 7), "public"));
          engine.remoteEndpointChanged(endpoint("h1", "r" + n, "eth0", List.of("10.9." + (n / 250) + "." + (1 + n % 250)), List.of("g" + (n % 5))));
          if (i % 3 == 0) {
            engine.endpointRemoved(handle("c" + n));
          } else {
            added.put(n, true);
          }
        }
        return null;
      }));
    }
    for (Future<?> f : all) {
      f.get();
    }
    pool.shutdown();
    assertThat(engine.stats().fullReplacements()).as("no batch refused").isEqualTo(1);
    assertThat(engine.model().locals()).hasSize(added.size());
    assertThat(engine.model().applied()).isEqualTo(engine.model().recompute());
    assertThat(nft.readTable()).contains(engine.model().applied().snapshot());
  }
}
