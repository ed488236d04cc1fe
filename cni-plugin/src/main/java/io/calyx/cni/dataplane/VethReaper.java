package io.calyx.cni.dataplane;

import io.calyx.netns.NativeException;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the veths of finished DELs after DEL has answered. The kernel takes ~20 ms to unregister a veth,
 * most of DEL's time; by the time a veth is handed over here its container is already cut off (host
 * routes removed, link down, policy gone, record deleted), so nothing is lost by answering first.
 *
 * <p>Each deletion runs under the veth's request lock and only if it is still pending: an ADD for the same
 * container interface {@link #cancel cancels} it (and replaces the leftover link itself), so a reaper
 * never removes a veth a newer ADD created. Veths are deleted one after the other, in order, normally
 * within milliseconds of the DEL. Pending deletions do not survive an agent restart as such: the start-up
 * recovery removes every calyx veth that no endpoint record names, which includes them.
 */
public final class VethReaper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VethReaper.class);
  private static final long LOCK_WAIT_MILLIS = 30_000;

  private final Dataplane dataplane;
  private final KeyedLocks locks;
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
  private final Thread worker;

  VethReaper(Dataplane dataplane, KeyedLocks locks) {
    this.dataplane = dataplane;
    this.locks = locks;
    this.worker = Thread.ofVirtual().name("calyx-veth-reaper").start(this::run);
  }

  /** Deletes {@code hostVeth} soon (call with its lock held, after the container was cut off). */
  void schedule(String hostVeth) {
    if (pending.add(hostVeth)) {
      queue.add(hostVeth);
    }
  }

  /** Forgets a pending deletion of {@code hostVeth} (call with its lock held: an ADD is about to wire it). */
  void cancel(String hostVeth) {
    pending.remove(hostVeth);
  }

  /** How many deletions are waiting. */
  public int backlog() {
    return pending.size();
  }

  private void run() {
    while (true) {
      String veth;
      try {
        veth = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      try {
        locks.with(veth, LOCK_WAIT_MILLIS, () -> {
          if (pending.remove(veth)) {
            dataplane.tearDown(veth);
          }
          return null;
        });
      } catch (NativeException | KeyedLocks.LockTimeoutException e) {
        // Left for recovery, which removes calyx veths no record names.
        LOG.warn("could not remove veth {} after its DEL: {}; recovery removes it", veth, e.getMessage());
      }
    }
  }

  @Override
  public void close() {
    worker.interrupt();
  }
}
