package io.calyx.core.store;

import io.calyx.core.Deadline;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The revisioned key-value store calyx keeps its state in: etcd in production ({@code datastore-etcd}),
 * {@link InMemoryDatastore} in tests. Semantics are etcd's: one global revision that every successful
 * write increments, per-key create/mod revisions and versions, atomic multi-key transactions with
 * compares, and watches that can start from a past revision.
 *
 * <p>Every call is bounded by its deadline and throws {@link DatastoreUnavailableException} when the store
 * cannot be reached in time; nothing blocks forever.
 */
public interface Datastore extends AutoCloseable {
  /** The key's current value, if it exists. */
  Optional<KeyValue> get(String key, Deadline deadline);

  /** All keys starting with {@code prefix}, in key order, with the revision they reflect. */
  Listing list(String prefix, Deadline deadline);

  /**
   * The keys starting with {@code prefix}, in key order, without their values: for callers that only need
   * to know what exists (a block claim looking for a free CIDR), at a fraction of a full listing's bytes.
   */
  default java.util.List<String> listKeys(String prefix, Deadline deadline) {
    return list(prefix, deadline).kvs().stream().map(KeyValue::key).toList();
  }

  /** Applies {@code txn} atomically (see {@link Txn}). */
  TxnResult txn(Txn txn, Deadline deadline);

  /**
   * Streams every change under {@code prefix} from {@code fromRevision} on (inclusive) to {@code listener},
   * in revision order, on a thread of the store's choosing, until the returned handle is closed.
   */
  AutoCloseable watch(String prefix, long fromRevision, Consumer<WatchEvent> listener);

  /** Releases connections and threads. */
  @Override
  void close();
}
