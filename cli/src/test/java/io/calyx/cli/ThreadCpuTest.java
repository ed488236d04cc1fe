package io.calyx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.cli.ThreadCpu.Group;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ThreadCpuTest {
  @ParameterizedTest
  @CsvSource({
    "bench-caller-3, CALLERS",
    "calyx-ipam-calyx-bench-0e1d5e-0, ALLOCATOR",
    "ForkJoinPool-1-worker-2, ALLOCATOR",
    "grpc-nio-worker-ELG-1-2, GRPC_EVENT_LOOP",
    "grpc-default-executor-0, CLIENT_EXECUTORS",
    "jetcd-1, CLIENT_EXECUTORS",
    "etcd-deadlines, CLIENT_EXECUTORS",
    "main, OTHER",
    "pool-3-thread-1, OTHER",
  })
  void threadsAreGroupedByName(String name, Group group) {
    assertThat(ThreadCpu.of(name)).isEqualTo(group);
  }

  @Test
  void otherIsTheProcessMinusTheNamedGroupsAndNeverNegative() {
    long[] before = {100, 200, 300, 400, 999};
    long[] after = {150, 260, 370, 480, 5};
    assertThat(ThreadCpu.byGroup(before, after, 1000)).containsExactly(50, 60, 70, 80, 1000 - 260);
    assertThat(ThreadCpu.byGroup(before, after, 200)).as("the process's clock ticks trail the threads'")
        .containsExactly(50, 60, 70, 80, 0);
  }

  @Test
  void aBusyThreadOfAGroupIsCounted() throws Exception {
    var threads = java.lang.management.ManagementFactory.getThreadMXBean();
    java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch measured = new java.util.concurrent.CountDownLatch(1);
    long[] before = ThreadCpu.snapshot();
    Thread t = Thread.ofPlatform().name(ThreadCpu.CALLER_PREFIX + "test").start(() -> {
      // 20 ms of this thread's own CPU (at most 10 s of waiting for it on a crowded machine).
      long start = threads.getCurrentThreadCpuTime();
      long giveUp = System.nanoTime() + 10_000_000_000L;
      long x = 0;
      while (threads.getCurrentThreadCpuTime() - start < 20_000_000L && System.nanoTime() < giveUp) {
        x += Long.numberOfTrailingZeros(x + 1);
      }
      busy.countDown();
      try {
        measured.await(); // alive while measured: a snapshot lists live threads only
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    busy.await();
    long[] after = ThreadCpu.snapshot();
    measured.countDown();
    t.join();
    assertThat(after[Group.CALLERS.ordinal()] - before[Group.CALLERS.ordinal()]).isGreaterThanOrEqualTo(20_000_000L);
  }
}
