package io.calyx.core.store;

import io.calyx.core.Deadline;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A {@link Datastore} in memory with etcd's revision semantics, for fast tests of pure logic. It keeps the
 * whole history so a watch can start at any past revision. {@link #setUnavailable} makes every call fail
 * as if the store were unreachable.
 */
public final class InMemoryDatastore implements Datastore {
  private final TreeMap<String, KeyValue> data = new TreeMap<>();
  private final List<WatchEvent> history = new ArrayList<>();
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
  private long revision = 1;
  private volatile boolean unavailable;

  private record Watcher(String prefix, Consumer<WatchEvent> listener) {}

  /** While true, every call throws {@link DatastoreUnavailableException}. */
  public void setUnavailable(boolean unavailable) {
    this.unavailable = unavailable;
  }

  private void checkAvailable(Deadline deadline) {
    if (unavailable) {
      throw new DatastoreUnavailableException("in-memory datastore set unavailable");
    }
    if (deadline.expired()) {
      throw new DatastoreUnavailableException("deadline expired before the call");
    }
  }

  /** The current store revision. */
  public synchronized long revision() {
    return revision;
  }

  @Override
  public synchronized Optional<KeyValue> get(String key, Deadline deadline) {
    checkAvailable(deadline);
    return Optional.ofNullable(data.get(key));
  }

  @Override
  public synchronized Listing list(String prefix, Deadline deadline) {
    checkAvailable(deadline);
    List<KeyValue> out = new ArrayList<>(data.tailMap(prefix, true).entrySet().stream()
        .takeWhile(e -> e.getKey().startsWith(prefix)).map(Map.Entry::getValue).toList());
    return new Listing(out, revision);
  }

  /**
   * Applies the transaction. Watchers are notified before it returns, under the store's lock, so every
   * watcher sees events in revision order (listeners may call back into the store on the same thread).
   */
  @Override
  public synchronized TxnResult txn(Txn txn, Deadline deadline) {
    List<WatchEvent> events = new ArrayList<>();
    {
      checkAvailable(deadline);
      boolean ok = txn.compares().stream().allMatch(c -> c.matches(data.get(c.key())));
      if (!ok) {
        Map<String, Optional<KeyValue>> current = new HashMap<>();
        txn.compares().forEach(c -> current.put(c.key(), Optional.ofNullable(data.get(c.key()))));
        return new TxnResult(false, revision, current);
      }
      if (!txn.writes().isEmpty()) {
        revision++;
        for (Op op : txn.writes()) {
          KeyValue old = data.get(op.key());
          switch (op) {
            case Op.Put put -> {
              KeyValue kv = new KeyValue(put.key(), put.value().clone(), old == null ? revision : old.createRevision(),
                  revision, old == null ? 1 : old.version() + 1);
              data.put(put.key(), kv);
              events.add(new WatchEvent(WatchEvent.Type.PUT, kv));
            }
            case Op.Delete del -> {
              if (old != null) {
                data.remove(del.key());
                events.add(new WatchEvent(WatchEvent.Type.DELETE, new KeyValue(del.key(), new byte[0], 0, revision, 0)));
              }
            }
          }
        }
        history.addAll(events);
      }
    }
    for (WatchEvent e : events) {
      for (Watcher w : watchers) {
        if (e.kv().key().startsWith(w.prefix())) {
          w.listener().accept(e);
        }
      }
    }
    return new TxnResult(true, revision, Map.of());
  }

  @Override
  public synchronized AutoCloseable watch(String prefix, long fromRevision, Consumer<WatchEvent> listener) {
    Watcher w = new Watcher(prefix, listener);
    history.stream().filter(e -> e.kv().modRevision() >= fromRevision && e.kv().key().startsWith(prefix)).forEach(listener);
    watchers.add(w);
    return () -> watchers.remove(w);
  }

  @Override
  public void close() {
    watchers.clear();
  }
}
