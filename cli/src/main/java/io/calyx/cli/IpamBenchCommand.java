package io.calyx.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Compare;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.ipam.AllocateRequest;
import io.calyx.ipam.Codec;
import io.calyx.ipam.HandleRecord;
import io.calyx.ipam.HostAllocator;
import io.calyx.ipam.Keys;
import io.calyx.ipam.Origin;
import io.calyx.ipam.Pool;
import io.calyx.ipam.PoolCache;
import io.calyx.ipam.Pools;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code calyxctl ipam bench}: allocates through calyx's own IPAM against the configured etcd (a
 * temporary pool in the benchmarking range 198.18.0.0/15, hosts named {@code calyx-bench-*}), releases
 * everything and removes the pool, leaving the datastore as it was.
 */
@Command(
    name = "bench",
    description = {"Measure allocations per second through calyx's IPAM against the configured etcd.",
        "Uses a temporary pool in 198.18.0.0/15 and removes it afterwards."},
    footer = {"", "Examples:", "  calyxctl ipam bench --concurrency 16 --count 2000",
        "  calyxctl ipam bench --concurrency 16 --count 2000 --hosts 4 --raw -o json"})
final class IpamBenchCommand implements Callable<Integer> {
  @Option(names = "--concurrency", paramLabel = "N", defaultValue = "16", description = "concurrent workers (default: ${DEFAULT-VALUE})")
  int concurrency;

  @Option(names = "--count", paramLabel = "M", defaultValue = "1000", description = "allocations (default: ${DEFAULT-VALUE})")
  int count;

  @Option(names = "--hosts", paramLabel = "H", defaultValue = "1", description = "simulated hosts, one allocator each (default: ${DEFAULT-VALUE}: a burst on one agent)")
  int hosts;

  @Option(names = "--raw", description = "also measure raw etcd put-if-absent transactions (one unique key each) with the same client and concurrency")
  boolean raw;

  @Option(names = "--warmup", paramLabel = "W", defaultValue = "500",
      description = "allocations (and, with --raw, transactions) run first and not measured, so that both sides are timed with the client's code compiled (default: ${DEFAULT-VALUE}; 0: none)")
  int warmup;

  @Mixin OutputOption output;

  @Spec CommandLine.Model.CommandSpec spec;

  /**
   * Throughput, latency and client CPU of one measured run.
   *
   * @param cpuNanos CPU time this process used during the run, all threads (gRPC, allocator, callers, JIT,
   *     GC): on a small, shared machine the steadiest figure of the three (throughput swings with CPU steal
   *     and etcd's fsync, the CPU an operation costs hardly does)
   * @param cpuNanosByGroup the same by group of threads ({@link ThreadCpu.Group}'s order; they add up to it)
   */
  record Measured(int count, double seconds, double[] latenciesMs, long cpuNanos, long[] cpuNanosByGroup) {
    double perSecond() {
      return count / seconds;
    }

    /** Client CPU per operation, in microseconds. */
    double cpuMicrosPerOp() {
      return cpuNanos / 1e3 / count;
    }

    /** Client CPU per operation of one group of threads, in microseconds. */
    double cpuMicrosPerOp(ThreadCpu.Group group) {
      return cpuNanosByGroup[group.ordinal()] / 1e3 / count;
    }

    /** The rounds of one side as one run: all operations over the sum of their times. */
    static Measured of(List<Measured> rounds) {
      long[] byGroup = new long[ThreadCpu.Group.values().length];
      rounds.forEach(r -> Arrays.setAll(byGroup, g -> byGroup[g] + r.cpuNanosByGroup()[g]));
      return new Measured(rounds.stream().mapToInt(Measured::count).sum(), rounds.stream().mapToDouble(Measured::seconds).sum(),
          rounds.stream().flatMapToDouble(r -> Arrays.stream(r.latenciesMs())).toArray(), rounds.stream().mapToLong(Measured::cpuNanos).sum(),
          byGroup);
    }

    double percentile(double q) {
      double[] sorted = latenciesMs.clone();
      Arrays.sort(sorted);
      int i = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(q / 100 * sorted.length) - 1));
      return sorted[i];
    }

    ObjectNode json(String rateName) {
      ObjectNode o = Json.object();
      o.put(rateName, round(perSecond()));
      o.put("p50_ms", round(percentile(50)));
      o.put("p99_ms", round(percentile(99)));
      o.put("client_cpu_us_per_op", round(cpuMicrosPerOp()));
      ObjectNode byThread = o.putObject("client_cpu_us_per_op_by_thread");
      for (ThreadCpu.Group g : ThreadCpu.Group.values()) {
        byThread.put(g.json, round(cpuMicrosPerOp(g)));
      }
      return o;
    }

    /** The per-thread breakdown as one line of text. */
    String byThreadText() {
      StringBuilder out = new StringBuilder();
      for (ThreadCpu.Group g : ThreadCpu.Group.values()) {
        out.append(out.isEmpty() ? "" : ", ").append(g.json.replace('_', ' ')).append(' ').append(Math.round(cpuMicrosPerOp(g)));
      }
      return out.toString();
    }
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /**
   * Calyx and raw etcd are measured in this many alternating rounds, so that a slow period of the disk or of
   * the machine (etcd's fsync time on these VMs swings by a factor of two within a minute) falls on both.
   */
  static final int ROUNDS = 10;

  @Override
  public Integer call() throws Exception {
    if (concurrency < 1 || count < 1 || hosts < 1 || count > 50_000 || warmup < 0 || warmup > 50_000) {
      throw new UsageError("--concurrency, --count and --hosts must be positive, --count and --warmup at most 50000");
    }
    String run = HexFormat.of().formatHex(new SecureRandom().generateSeed(3));
    try (Datastore store = Etcd.open(CalyxCtl.global(spec))) {
      Pools pools = new Pools(store, Clock.systemUTC());
      IpPrefix range = freeRange(pools);
      pools.add(range, Optional.of(26), Etcd.deadline());
      try (PoolCache cache = PoolCache.start(store, Etcd.deadline())) {
        List<HostAllocator> allocators = new ArrayList<>();
        for (int h = 0; h < hosts; h++) {
          allocators.add(new HostAllocator(store, "calyx-bench-" + run + "-" + h, cache, Clock.systemUTC()));
        }
        String prefix = "/calyx/bench/" + run + "/";
        try {
          // As calyx-ipam's ADD allocates (NodeAddressManager): a caller that waits for its answer.
          Work allocate = i -> allocators.get(i % hosts).allocateWaiting(new AllocateRequest(handle(run, i), Origin.CALYX,
              Set.of(IpFamily.V4), List.of(range), List.of(), deadline())).join();
          Work put = i -> store.txn(new Txn(List.of(Compare.absent(prefix + i)),
              List.of(Op.put(prefix + i, new byte[Integer.getInteger("calyx.bench.rawValue", 64)]))), deadline());
          // Unmeasured first: measured first, calyx would pay for compiling the gRPC client's code and raw
          // etcd would not. Warm-up handles and keys come after the measured ones (index count and up).
          measure(count, count + warmup, allocate);
          release(allocators, run, count, count + warmup);
          if (raw) {
            measure(count, count + warmup, put);
          }
          List<List<Measured>> rounds = alternate(allocate, raw ? Optional.of(put) : Optional.empty());
          verify(store, run);
          release(allocators, run, 0, count);
          print(Measured.of(rounds.get(0)), raw ? Optional.of(Measured.of(rounds.get(1))) : Optional.empty(), roundRatios(rounds));
        } finally {
          allocators.forEach(HostAllocator::close);
          deleteRaw(store, prefix);
        }
      } finally {
        pools.delete(range, Etcd.deadline());
      }
    }
    return 0;
  }

  /** Items 0 to count in {@link #ROUNDS} rounds, each through calyx and then raw etcd; the rounds of each. */
  private List<List<Measured>> alternate(Work calyx, Optional<Work> rawEtcd) throws Exception {
    List<Measured> ours = new ArrayList<>();
    List<Measured> theirs = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      int from = count * round / ROUNDS;
      int to = count * (round + 1) / ROUNDS;
      if (to > from) {
        ours.add(measure(from, to, calyx));
        if (rawEtcd.isPresent()) {
          theirs.add(measure(from, to, rawEtcd.get()));
        }
      }
    }
    return List.of(ours, theirs);
  }

  /**
   * Calyx's rate over raw etcd's in each pair of rounds: their spread shows how much the machine swung
   * during the run (the whole run's ratio is a weighted mean of them, so it lies within their range).
   */
  private static List<Double> roundRatios(List<List<Measured>> rounds) {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < rounds.get(1).size(); i++) {
      out.add(rounds.get(0).get(i).perSecond() / rounds.get(1).get(i).perSecond());
    }
    return out;
  }

  /** A /16 of the benchmarking range that overlaps no pool. */
  private static IpPrefix freeRange(Pools pools) {
    List<Pool> existing = pools.list(Etcd.deadline());
    for (String candidate : List.of("198.18.0.0/16", "198.19.0.0/16")) {
      IpPrefix p = IpPrefix.parseNetwork("range", candidate);
      if (existing.stream().noneMatch(e -> e.overlaps(p))) {
        return p;
      }
    }
    throw new UserError("198.18.0.0/15 (the benchmarking range) overlaps existing pools: cannot run the benchmark here");
  }

  /**
   * Every measured allocation must be in etcd, each with its own address: a benchmark that counted answers
   * without writes, or addresses handed out twice, would be worse than none.
   */
  private void verify(Datastore store, String run) {
    List<HandleRecord> records = store.list(Keys.HANDLES + "calyx-bench:" + run + "-", deadline()).kvs().stream()
        .map(Codec::decodeHandle).filter(r -> index(r.handle()) < count).toList();
    long measured = records.size();
    long addresses = records.stream().flatMap(r -> r.ips().stream().map(HandleRecord.AssignedIp::ip)).distinct().count();
    if (measured != count || addresses != count) {
      throw new UserError("benchmark invalid: " + measured + " of " + count + " measured allocations are in etcd, with "
          + addresses + " distinct addresses");
    }
  }

  private static int index(HandleId handle) {
    String id = handle.containerId().value();
    return Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
  }

  private void release(List<HostAllocator> allocators, String run, int from, int to) {
    List<java.util.concurrent.CompletableFuture<?>> releases = new ArrayList<>();
    for (int i = from; i < to; i++) {
      releases.add(allocators.get(i % hosts).release(handle(run, i), deadline()));
    }
    releases.forEach(java.util.concurrent.CompletableFuture::join);
  }

  private static void deleteRaw(Datastore store, String prefix) {
    List<KeyValue> keys = store.list(prefix, deadline()).kvs();
    for (int i = 0; i < keys.size(); i += 100) {
      store.txn(new Txn(List.of(), keys.subList(i, Math.min(keys.size(), i + 100)).stream().map(k -> Op.delete(k.key())).toList()), deadline());
    }
  }

  private static HandleId handle(String run, int i) {
    return HandleId.parse("calyx-bench:" + run + "-" + i + ":eth0");
  }

  private static Deadline deadline() {
    return Deadline.in(Duration.ofSeconds(30), Clock.systemUTC());
  }

  /** An operation on item i. */
  interface Work {
    void run(int i);
  }

  /** Runs {@code work} for items {@code from} (inclusive) to {@code to} with {@code concurrency} workers. */
  private Measured measure(int from, int to, Work work) throws Exception {
    int n = to - from;
    double[] latencies = new double[n];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger callers = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency,
        r -> Thread.ofPlatform().name(ThreadCpu.CALLER_PREFIX + callers.incrementAndGet()).unstarted(r));
    java.util.Map<Long, ThreadCpu.Sample> threadsStart = ThreadCpu.snapshot();
    long cpuStart = processCpuNanos();
    long start = System.nanoTime();
    java.util.Map<Long, ThreadCpu.Sample> threadsEnd;
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < concurrency; w++) {
        workers.add(pool.submit(() -> {
          for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
            long t = System.nanoTime();
            work.run(from + i);
            latencies[i] = (System.nanoTime() - t) / 1e6;
          }
          return null;
        }));
      }
      for (Future<?> f : workers) {
        f.get();
      }
      // Before the callers end: a thread's CPU is no longer listed once it has ended.
      threadsEnd = ThreadCpu.snapshot();
    } finally {
      pool.shutdownNow();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long cpu = processCpuNanos() - cpuStart;
    return new Measured(n, seconds, latencies, cpu, ThreadCpu.byGroup(threadsStart, threadsEnd, cpu));
  }

  /** CPU time of this process so far; 0 where the JVM cannot tell (the figure is then reported as 0). */
  private static long processCpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? Math.max(0, os.getProcessCpuTime()) : 0;
  }

  private void print(Measured ipam, Optional<Measured> rawEtcd, List<Double> roundRatios) {
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      ObjectNode o = ipam.json("allocs_per_s");
      o.put("count", count).put("warmup", warmup).put("concurrency", concurrency).put("hosts", hosts);
      rawEtcd.ifPresent(r -> {
        o.set("raw_etcd", r.json("txns_per_s"));
        o.put("ratio", round(ipam.perSecond() / r.perSecond()));
        var perRound = o.putArray("ratio_rounds");
        roundRatios.forEach(x -> perRound.add(round(x)));
      });
      Json.print(out, o);
      return;
    }
    out.printf("calyx ipam: allocs_per_s=%.1f p50_ms=%.2f p99_ms=%.2f client_cpu_us_per_op=%.0f (%d allocations, concurrency %d, %d host%s)%n",
        ipam.perSecond(), ipam.percentile(50), ipam.percentile(99), ipam.cpuMicrosPerOp(), count, concurrency, hosts, hosts == 1 ? "" : "s");
    out.printf("            client CPU us/op by thread: %s%n", ipam.byThreadText());
    rawEtcd.ifPresent(r -> {
      out.printf("raw etcd:   txns_per_s=%.1f p50_ms=%.2f p99_ms=%.2f client_cpu_us_per_op=%.0f (put-if-absent, one key each, same client; %d rounds alternating with calyx)%n",
          r.perSecond(), r.percentile(50), r.percentile(99), r.cpuMicrosPerOp(), ROUNDS);
      out.printf("            client CPU us/op by thread: %s%n", r.byThreadText());
      out.printf("ratio:      %.2f (calyx / raw; its rounds %.2f to %.2f)%n", ipam.perSecond() / r.perSecond(),
          roundRatios.stream().mapToDouble(Double::doubleValue).min().orElse(0), roundRatios.stream().mapToDouble(Double::doubleValue).max().orElse(0));
    });
  }
}
