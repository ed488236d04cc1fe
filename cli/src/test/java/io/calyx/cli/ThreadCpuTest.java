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
  void groupsAddUpThreadByThreadAndOtherIsTheRestOfTheProcess() {
    java.util.Map<Long, ThreadCpu.Sample> before = java.util.Map.of(
        1L, new ThreadCpu.Sample(Group.CALLERS, 100),
        2L, new ThreadCpu.Sample(Group.ALLOCATOR, 200),
        3L, new ThreadCpu.Sample(Group.CALLERS, 5_000), // ends in between: its CPU must not be taken off
        4L, new ThreadCpu.Sample(Group.OTHER, 999));
    java.util.Map<Long, ThreadCpu.Sample> after = java.util.Map.of(
        1L, new ThreadCpu.Sample(Group.CALLERS, 150),
        2L, new ThreadCpu.Sample(Group.ALLOCATOR, 260),
        4L, new ThreadCpu.Sample(Group.OTHER, 1_010),
        5L, new ThreadCpu.Sample(Group.GRPC_EVENT_LOOP, 70), // started in between: counts from 0
        6L, new ThreadCpu.Sample(Group.CLIENT_EXECUTORS, 80));
    assertThat(ThreadCpu.byGroup(before, after, 1000)).containsExactly(50, 60, 70, 80, 1000 - 260);
    assertThat(ThreadCpu.byGroup(before, after, 200)).as("the process's clock ticks trail the threads'")
        .containsExactly(50, 60, 70, 80, 0);
  }

  @Test
  void aBusyThreadOfAGroupIsCounted() throws Exception {
    var threads = java.lang.management.ManagementFactory.getThreadMXBean();
    java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch measured = new java.util.concurrent.CountDownLatch(1);
    java.util.Map<Long, ThreadCpu.Sample> before = ThreadCpu.snapshot();
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
    java.util.Map<Long, ThreadCpu.Sample> after = ThreadCpu.snapshot();
    measured.countDown();
    t.join();
    assertThat(after.get(t.threadId()).group()).isEqualTo(Group.CALLERS);
    assertThat(ThreadCpu.byGroup(before, after, 0)[Group.CALLERS.ordinal()]).isGreaterThanOrEqualTo(20_000_000L);
  }
}
