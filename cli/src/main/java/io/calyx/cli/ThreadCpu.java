package io.calyx.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of this process's threads by what they do, for {@code ipam bench}'s breakdown of client CPU
 * per operation: which threads calyx's allocator keeps busier than raw etcd's transactions. Groups by
 * thread name (the bench's callers, calyx's allocator, the gRPC event loop, the client's executors);
 * threads the JVM does not list (the JIT compilers, the garbage collector) and the rest are "other", the
 * process's CPU minus the groups'.
 */
final class ThreadCpu {
  /** The groups, in the order they are printed, with their JSON names. */
  enum Group {
    CALLERS("callers"),
    ALLOCATOR("allocator"),
    GRPC_EVENT_LOOP("grpc_event_loop"),
    CLIENT_EXECUTORS("client_executors"),
    OTHER("other");

    final String json;

    Group(String json) {
      this.json = json;
    }
  }

  /** The prefix of the bench's own worker threads. */
  static final String CALLER_PREFIX = "bench-caller-";

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private ThreadCpu() {}

  /**
   * Which group a thread's CPU counts for: callers (the bench's workers; calyx's allocator runs a lone
   * request on them), allocator (per-host committers, and the carriers of virtual threads: in the bench,
   * those that claim blocks), the gRPC event loop, the client's executors (gRPC's, jetcd's, the datastore's deadline timer).
   */
  static Group of(String threadName) {
    if (threadName.startsWith(CALLER_PREFIX)) {
      return Group.CALLERS;
    }
    // Virtual threads (the block claims) are not listed: their CPU is their carriers', ForkJoinPool workers.
    if (threadName.startsWith("calyx-ipam-") || threadName.startsWith("ForkJoinPool-")) {
      return Group.ALLOCATOR;
    }
    if (threadName.startsWith("grpc-nio-worker") || threadName.contains("-ELG-")) {
      return Group.GRPC_EVENT_LOOP;
    }
    if (threadName.startsWith("grpc-default-executor") || threadName.startsWith("jetcd") || threadName.startsWith("etcd-")) {
      return Group.CLIENT_EXECUTORS;
    }
    return Group.OTHER;
  }

  /** One thread's CPU so far and the group it counts for. */
  record Sample(Group group, long cpuNanos) {}

  /**
   * CPU nanoseconds so far of every live platform thread, by thread id. Empty where the JVM cannot measure
   * thread CPU (everything is then "other").
   */
  static Map<Long, Sample> snapshot() {
    Map<Long, Sample> out = new HashMap<>();
    if (!THREADS.isThreadCpuTimeSupported() || !THREADS.isThreadCpuTimeEnabled()) {
      return out;
    }
    long[] ids = THREADS.getAllThreadIds();
    ThreadInfo[] infos = THREADS.getThreadInfo(ids);
    for (int i = 0; i < ids.length; i++) {
      long cpu = THREADS.getThreadCpuTime(ids[i]);
      if (infos[i] != null && cpu >= 0) {
        out.put(ids[i], new Sample(of(infos[i].getThreadName()), cpu));
      }
    }
    return out;
  }

  /**
   * The groups' CPU between two snapshots, thread by thread (a thread started in between counts from 0; one
   * that ended in between is not listed at the end, and what it used falls to "other"), with OTHER made the
   * process's CPU in that time minus the other groups' (so that the groups add up to it; never below 0, as
   * the process's figure comes in clock ticks). In {@link Group}'s order.
   */
  static long[] byGroup(Map<Long, Sample> before, Map<Long, Sample> after, long processNanos) {
    long[] out = new long[Group.values().length];
    long named = 0;
    for (Map.Entry<Long, Sample> e : after.entrySet()) {
      Sample then = before.get(e.getKey());
      long used = Math.max(0, e.getValue().cpuNanos() - (then == null ? 0 : then.cpuNanos()));
      if (e.getValue().group() != Group.OTHER) {
        out[e.getValue().group().ordinal()] += used;
        named += used;
      }
    }
    out[Group.OTHER.ordinal()] = Math.max(0, processNanos - named);
    return out;
  }
}
