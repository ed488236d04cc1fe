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
}
