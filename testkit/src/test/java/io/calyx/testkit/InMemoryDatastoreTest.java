package io.calyx.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.store.Datastore;
import io.calyx.core.store.DatastoreUnavailableException;
import io.calyx.core.store.InMemoryDatastore;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryDatastoreTest extends DatastoreContract {
  private final InMemoryDatastore store = new InMemoryDatastore();

  @Override
  protected Datastore store() {
    return store;
  }

  @Test
  void canBeMadeUnavailable() {
    store.setUnavailable(true);
    assertThatThrownBy(() -> store.list("/", soon())).isInstanceOf(DatastoreUnavailableException.class);
    store.setUnavailable(false);
    store.txn(new Txn(List.of(), List.of(Op.put("/x", b("1")))), soon());
  }
}
