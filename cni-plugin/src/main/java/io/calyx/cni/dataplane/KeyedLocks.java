package io.calyx.cni.dataplane;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One lock per key (a container interface), held while a request for it runs: Mesos may run an orphaned
 * ADD and a recovery DEL for the same container at once, while different interfaces of one container
 * (several networks) proceed in parallel. Locks are dropped when nobody holds or waits for them.
 */
final class KeyedLocks {
  private static final class Entry {
    final ReentrantLock lock = new ReentrantLock();
    int users;
  }

  private final ConcurrentHashMap<String, Entry> locks = new ConcurrentHashMap<>();

  /**
   * Runs {@code body} under the lock of {@code key}, waiting at most {@code waitMillis} for it.
   *
   * @throws LockTimeoutException when the lock was not free in time
   */
  <T> T with(String key, long waitMillis, Supplier<T> body) {
    Entry e = locks.compute(key, (k, v) -> {
      Entry entry = v == null ? new Entry() : v;
      entry.users++;
      return entry;
    });
    try {
      if (!e.lock.tryLock(Math.max(0, waitMillis), TimeUnit.MILLISECONDS)) {
        throw new LockTimeoutException(key);
      }
      try {
        return body.get();
      } finally {
        e.lock.unlock();
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new LockTimeoutException(key);
    } finally {
      locks.compute(key, (k, v) -> {
        if (v == null) {
          return null;
        }
        v.users--;
        return v.users == 0 ? null : v;
      });
    }
  }

  /** Another request for the same container interface held the lock past this request's deadline. */
  static final class LockTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LockTimeoutException(String key) {
      super("another request for " + key + " is still running");
    }
  }

  int size() {
    return locks.size();
  }
}
