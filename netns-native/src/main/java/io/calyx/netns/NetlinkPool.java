package io.calyx.netns;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A few netlink handles for one namespace. A handle serves one request at a time and some requests block
 * in the kernel for a while (deleting a veth waits ~20 ms for the device to unregister), so concurrent
 * ADDs and DELs each borrow their own instead of queueing behind one socket.
 */
public final class NetlinkPool implements AutoCloseable {
  private final BlockingQueue<Netlink> idle;
  private final List<Netlink> all = new ArrayList<>();

  public NetlinkPool(int size, Supplier<Netlink> open) {
    idle = new ArrayBlockingQueue<>(size);
    for (int i = 0; i < size; i++) {
      Netlink nl = open.get();
      all.add(nl);
      idle.add(nl);
    }
  }

  /** Runs {@code work} with a handle of its own, waiting for one to be free. */
  public <T> T with(Function<Netlink, T> work) {
    Netlink nl;
    try {
      nl = idle.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NativeException("interrupted waiting for a netlink handle");
    }
    try {
      return work.apply(nl);
    } finally {
      idle.add(nl);
    }
  }

  @Override
  public void close() {
    all.forEach(Netlink::close);
  }
}
