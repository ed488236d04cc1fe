package io.calyx.ipam;

import io.calyx.core.Deadline;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Listing;
import io.calyx.core.store.Txn;
import io.calyx.core.store.TxnResult;
import io.calyx.core.store.WatchEvent;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** Passes every call through to a real store and counts them, so tests can assert round trips. */
final class CountingDatastore implements Datastore {
  final Datastore inner;
  final AtomicInteger gets = new AtomicInteger();
  final AtomicInteger lists = new AtomicInteger();
  final AtomicInteger txns = new AtomicInteger();
  /** The thread that sent the last transaction. */
  volatile Thread lastTxnThread;
  /** When set, transactions wait for it to open (after counting down {@link #txnWaiting}). */
  volatile java.util.concurrent.CountDownLatch holdTxns;
  final java.util.concurrent.Semaphore txnWaiting = new java.util.concurrent.Semaphore(0);

  CountingDatastore(Datastore inner) {
    this.inner = inner;
  }

  int total() {
    return gets.get() + lists.get() + txns.get();
  }

  @Override
  public Optional<KeyValue> get(String key, Deadline deadline) {
    gets.incrementAndGet();
    return inner.get(key, deadline);
  }

  @Override
  public Listing list(String prefix, Deadline deadline) {
    lists.incrementAndGet();
    return inner.list(prefix, deadline);
  }

  @Override
  public TxnResult txn(Txn txn, Deadline deadline) {
    txns.incrementAndGet();
    lastTxnThread = Thread.currentThread();
    java.util.concurrent.CountDownLatch hold = holdTxns;
    if (hold != null) {
      txnWaiting.release();
      try {
        hold.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return inner.txn(txn, deadline);
  }

  @Override
  public AutoCloseable watch(String prefix, long fromRevision, Consumer<WatchEvent> listener) {
    return inner.watch(prefix, fromRevision, listener);
  }

  @Override
  public void close() {
    inner.close();
  }
}
