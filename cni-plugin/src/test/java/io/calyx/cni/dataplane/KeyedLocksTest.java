package io.calyx.cni.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class KeyedLocksTest {
  @Test
  void serialisesOneKeyRunsOtherKeysInParallelAndForgetsIdleKeys() throws Exception {
    KeyedLocks locks = new KeyedLocks();
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger maxInside = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        runs.add(pool.submit(() -> locks.with("net:c1:eth0", 10_000, () -> {
          maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
          Thread.yield();
          inside.decrementAndGet();
          return null;
        })));
      }
      for (Future<?> f : runs) {
        f.get();
      }
      assertThat(maxInside.get()).as("one at a time per key").isEqualTo(1);

      CountDownLatch bothInside = new CountDownLatch(2);
      Future<?> a = pool.submit(() -> locks.with("net:c1:eth0", 5_000, () -> awaitBoth(bothInside)));
      Future<?> b = pool.submit(() -> locks.with("net:c1:eth1", 5_000, () -> awaitBoth(bothInside)));
      a.get();
      b.get();
      assertThat(locks.size()).as("idle keys are dropped").isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  private static Object awaitBoth(CountDownLatch latch) {
    latch.countDown();
    try {
      if (!latch.await(5, TimeUnit.SECONDS)) {
        throw new AssertionError("the two interfaces did not run at the same time");
      }
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    return null;
  }

  @Test
  void waitingPastTheBudgetFails() throws Exception {
    KeyedLocks locks = new KeyedLocks();
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread holder = Thread.ofPlatform().start(() -> locks.with("k", 1000, () -> {
      held.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }));
    held.await();
    assertThatThrownBy(() -> locks.with("k", 50, () -> null))
        .isInstanceOf(KeyedLocks.LockTimeoutException.class)
        .hasMessageContaining("another request for k is still running");
    release.countDown();
    holder.join();
    assertThat(locks.size()).isZero();
  }
}
