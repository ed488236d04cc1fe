package io.calyx.agent.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.core.Deadline;
import io.calyx.core.GroupName;
import io.calyx.core.HandleId;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.endpoint.EndpointCodec;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.InMemoryDatastore;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Listing;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.core.store.TxnResult;
import io.calyx.core.store.WatchEvent;
import io.calyx.policy.nft.InMemoryNftApplier;
import io.calyx.policy.store.Profiles;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The agent's first policy pass racing a DEL (found by the crash scenario of the fault suite): a restarted
 * agent lists the endpoint records, a DEL of a local endpoint deletes its record before the listing is
 * applied, and the table must still end without that endpoint's chains and set elements.
 */
class PolicySyncTest {
  /** Holds the first listing of profiles (the first pass has listed the endpoints then) until released. */
  private static final class Gate implements Datastore {
    final InMemoryDatastore store = new InMemoryDatastore();
    final CountDownLatch listingEndpointsDone = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public Optional<KeyValue> get(String key, Deadline deadline) {
      return store.get(key, deadline);
    }

    @Override
    public Listing list(String prefix, Deadline deadline) {
      if (prefix.equals(Profiles.ROOT) && listingEndpointsDone.getCount() > 0) {
        listingEndpointsDone.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return store.list(prefix, deadline);
    }

    @Override
    public TxnResult txn(Txn txn, Deadline deadline) {
      return store.txn(txn, deadline);
    }

    @Override
    public AutoCloseable watch(String prefix, long fromRevision, Consumer<WatchEvent> listener) {
      return store.watch(prefix, fromRevision, listener);
    }

    @Override
    public void close() {
      store.close();
    }
  }

  @Test
  void aLocalEndpointRemovedWhileTheFirstPassIsReadingStaysRemoved() throws Exception {
    Gate gate = new Gate();
    HandleId handle = HandleId.parse("net:c1:eth0");
    Endpoint e = new Endpoint(handle, "n1", "cali0123456789a", "0a:00:00:00:00:01", List.of(IpPrefix.parse("ip", "10.9.0.5/32")),
        List.of(GroupName.of("web")), Map.of(), "/var/run/netns/x", Instant.EPOCH);
    Deadline soon = Deadline.in(Duration.ofSeconds(5), Clock.systemUTC());
    gate.store.txn(new Txn(List.of(), List.of(Op.put(e.key(), EndpointCodec.encode(e)))), soon);
    InMemoryNftApplier nft = new InMemoryNftApplier();
    try (PolicySync sync = new PolicySync(gate, "n1", List.of(5051), nft, Duration.ofHours(1), Clock.systemUTC()).start()) {
      assertThat(gate.listingEndpointsDone.await(10, TimeUnit.SECONDS)).isTrue();
      // DEL (or recovery) of the endpoint while the first pass holds a listing that still has it.
      gate.store.txn(new Txn(List.of(), List.of(Op.delete(e.key()))), soon);
      sync.remove(handle);
      gate.release.countDown();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!sync.ready() && System.nanoTime() < until) {
        Thread.sleep(20);
      }
      assertThat(sync.ready()).isTrue();
      String table = nft.readTable().orElseThrow().toString();
      assertThat(table).doesNotContain("cali0123456789a").doesNotContain("10.9.0.5");
    }
  }
}
