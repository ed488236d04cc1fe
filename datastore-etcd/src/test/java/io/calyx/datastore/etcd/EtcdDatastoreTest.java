package io.calyx.datastore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.Deadline;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.DatastoreUnavailableException;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.testkit.DatastoreContract;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The datastore contract against a real etcd, plus what only a real server can show. */
@ExtendWith(EtcdExtension.class)
class EtcdDatastoreTest extends DatastoreContract {
  private static EtcdDatastore store;

  @BeforeAll
  static void connect(Etcd etcd) {
    store = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
  }

  @AfterAll
  static void close() {
    store.close();
  }

  @Override
  protected Datastore store() {
    return store;
  }

  @Test
  void unreachableEtcdIsUnavailableWithinTheDeadline() {
    try (EtcdDatastore nowhere = EtcdDatastore.connect(List.of(URI.create("http://127.0.0.1:1")))) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> nowhere.get("/k", Deadline.in(Duration.ofSeconds(2), Clock.systemUTC())))
          .isInstanceOf(DatastoreUnavailableException.class)
          .hasMessageContaining("127.0.0.1:1");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }
  }

  @Test
  void aStoppedEtcdIsUnavailableAndServesAgainAfterItComesBack(Etcd etcd) throws Exception {
    store.txn(new Txn(List.of(), List.of(Op.put(p + "k", b("v")))), soon());
    etcd.stop();
    try {
      long start = System.nanoTime();
      assertThatThrownBy(() -> store.get(p + "k", Deadline.in(Duration.ofSeconds(2), Clock.systemUTC())))
          .isInstanceOf(DatastoreUnavailableException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    } finally {
      etcd.resume();
    }
    assertThat(store.get(p + "k", Deadline.in(Duration.ofSeconds(15), Clock.systemUTC())).orElseThrow().valueText()).isEqualTo("v");
  }

  /**
   * A write given up at its deadline while etcd is down is never applied later (found by the fault suite:
   * jetcd queued the call until the connection came back and sent it then, so an ADD that had already
   * answered "unavailable" could land after Mesos' DEL). Each call carries its deadline into gRPC, which
   * fails the queued call at that deadline instead.
   */
  @Test
  void aWriteAbandonedAtItsDeadlineIsNeverAppliedOnceEtcdReturns(Etcd etcd) throws Exception {
    store.get(p + "warm", soon());
    etcd.stop();
    try {
      for (int i = 0; i < 3; i++) {
        String key = p + "abandoned-" + i;
        assertThatThrownBy(() -> store.txn(new Txn(List.of(), List.of(Op.put(key, b("late")))),
            Deadline.in(Duration.ofMillis(300), Clock.systemUTC())))
            .isInstanceOf(DatastoreUnavailableException.class);
      }
    } finally {
      etcd.resume();
    }
    // A fresh write goes through, so the connection is back: anything still queued would have been sent.
    store.txn(new Txn(List.of(), List.of(Op.put(p + "after", b("now")))), Deadline.in(Duration.ofSeconds(15), Clock.systemUTC()));
    Thread.sleep(1_000);
    assertThat(store.list(p + "abandoned-", soon()).kvs()).isEmpty();
  }

  /**
   * A watch through a connection that breaks again and again (found by the fault suite: every break used
   * to double the watchers, until the agent ran out of memory) delivers each change exactly once.
   */
  @Test
  void aWatchThroughRepeatedConnectionCutsDeliversEveryChangeExactlyOnce(Etcd etcd) throws Exception {
    try (io.calyx.testkit.TcpProxy proxy = new io.calyx.testkit.TcpProxy(URI.create(etcd.endpoint()).getPort());
        EtcdDatastore cut = EtcdDatastore.connect(List.of(URI.create(proxy.endpoint())))) {
      java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      long from = cut.list(p, soon()).revision() + 1;
      try (AutoCloseable w = cut.watch(p, from, e -> seen.add(e.kv().key()))) {
        for (int i = 0; i < 8; i++) {
          store.txn(new Txn(List.of(), List.of(Op.put(p + "w" + i, b("v")))), soon());
          int want = i + 1;
          long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
          while (seen.size() < want && System.nanoTime() < until) {
            Thread.sleep(20);
          }
          assertThat(seen).as("after %d cuts", i).hasSize(want);
          proxy.cutAll();
          Thread.sleep(700);
        }
        store.txn(new Txn(List.of(), List.of(Op.put(p + "last", b("v")))), soon());
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!seen.contains(p + "last") && System.nanoTime() < until) {
          Thread.sleep(20);
        }
        Thread.sleep(1500);
        assertThat(seen).as("each change once, in order").doesNotHaveDuplicates().hasSize(9).endsWith(p + "last");
      }
    }
  }
}
