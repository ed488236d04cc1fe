package io.calyx.agent.bench;

import io.calyx.agent.policy.PolicySync;
import io.calyx.core.Deadline;
import io.calyx.core.GroupName;
import io.calyx.core.HandleId;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.endpoint.EndpointCodec;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.policy.nft.LibnftablesApplier;
import io.calyx.policy.nft.NftApplier;
import io.calyx.policy.nft.NftBatch;
import io.calyx.policy.nft.TableSnapshot;
import io.calyx.testkit.EtcdServer;
import io.calyx.testkit.Host;
import io.calyx.testkit.Netns;
import io.calyx.testkit.NetnsExtension.NetnsFactory;
import io.calyx.testkit.NetnsThreads;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The time from a remote endpoint's record landing in etcd to its address being in the local group set
 * (the agent's watch, the policy engine, libnftables), with a cluster of endpoints already applied: a
 * private etcd, a fresh network namespace, the agent's {@link PolicySync}. Prints p50/p99 in ms. Root.
 *
 * <pre>bench/policy-propagation.sh [--cluster N] [--locals N] [--groups N] [--rounds N] [--json FILE]</pre>
 *
 * <p>With {@code --json FILE} the figures are also written to FILE as one JSON object.
 */
public final class PolicyPropagationBench {
  private PolicyPropagationBench() {}

  /**
   * Passes batches on and completes the future of the address being watched when a batch naming it was
   * applied. The bench thread blocks on that future rather than spinning: a spinning waiter takes one of the
   * two cores the watch, the engine and etcd need, and the latency it measures grows by what it takes.
   */
  static final class Stamping implements NftApplier {
    final NftApplier inner;
    volatile String watching = "";
    volatile CompletableFuture<Long> appliedAt = new CompletableFuture<>();

    Stamping(NftApplier inner) {
      this.inner = inner;
    }

    @Override
    public void apply(NftBatch batch) {
      inner.apply(batch);
      long now = System.nanoTime();
      String ip = watching;
      if (!ip.isEmpty() && batch.script().contains(ip)) {
        appliedAt.complete(now);
      }
    }

    /** Watches for {@code ip} from now on. */
    CompletableFuture<Long> watch(String ip) {
      appliedAt = new CompletableFuture<>();
      watching = ip;
      return appliedAt;
    }

    @Override
    public Optional<TableSnapshot> readTable() {
      return inner.readTable();
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  public static void main(String[] args) throws Exception {
    int cluster = intArg(args, "--cluster", 10_000);
    int groups = intArg(args, "--groups", 100);
    int rounds = intArg(args, "--rounds", 200);
    int locals = intArg(args, "--locals", 1000);
    Optional<Path> json = stringArg(args, "--json").map(Path::of);
    if (!Host.isRoot()) {
      throw new IllegalStateException("needs root (creates a network namespace)");
    }
    Path etcdBinary = Host.which("etcd").orElseThrow(() -> new IllegalStateException("needs etcd (apt-get install etcd-server)"));
    try (EtcdServer etcd = EtcdServer.start(etcdBinary); NetnsFactory namespaces = new NetnsFactory();
        Datastore store = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())))) {
      // Ctrl-C/TERM: etcd and the namespace go too (try-with-resources does not run on a signal).
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        namespaces.close();
        etcd.close();
      }));
      Netns host = namespaces.create();
      Clock clock = Clock.systemUTC();
      List<Op> batch = new ArrayList<>();
      for (int i = 0; i < cluster; i++) {
        // The first `locals` records are this host's: their groups' sets are what remote members join.
        Endpoint e = remote(i, groups, i);
        if (i < locals) {
          e = new Endpoint(e.handle(), "bench-node", e.hostVeth(), e.mac(), e.ips(), e.groups(), e.labels(), e.netns(), e.created());
        }
        batch.add(Op.put(e.key(), EndpointCodec.encode(e)));
        if (batch.size() == 100) {
          store.txn(new Txn(List.of(), batch), Deadline.in(Duration.ofSeconds(10), clock));
          batch = new ArrayList<>();
        }
      }
      if (!batch.isEmpty()) {
        store.txn(new Txn(List.of(), batch), Deadline.in(Duration.ofSeconds(10), clock));
      }
      Stamping applier = new Stamping(LibnftablesApplier.open("bench-nft", host.name(), () -> NetnsThreads.enter(host)));
      try (PolicySync sync = new PolicySync(store, "bench-node", List.of(5051), applier, Duration.ofHours(1), clock).start()) {
        long until = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!sync.ready() && System.nanoTime() < until) {
          Thread.sleep(50);
        }
        System.out.printf("%d local and %d remote endpoints in %d groups applied%n", locals, cluster - locals, groups);
        double[] latency = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          Endpoint e = remote(cluster + r, groups, r);
          String ip = e.ips().getFirst().address().toString();
          CompletableFuture<Long> applied = applier.watch(ip);
          long t0 = System.nanoTime();
          store.txn(new Txn(List.of(), List.of(Op.put(e.key(), EndpointCodec.encode(e)))), Deadline.in(Duration.ofSeconds(10), clock));
          long at;
          try {
            at = applied.get(10, TimeUnit.SECONDS);
          } catch (TimeoutException ex) {
            throw new IllegalStateException("the set update for " + ip + " did not come within 10 s", ex);
          }
          latency[r] = (at - t0) / 1e6;
        }
        Arrays.sort(latency);
        double p50 = latency[(int) Math.ceil(0.50 * rounds) - 1];
        double p99 = latency[(int) Math.ceil(0.99 * rounds) - 1];
        System.out.printf("etcd write -> local set element: p50 %.2f ms, p99 %.2f ms (%d rounds)%n", p50, p99, rounds);
        if (json.isPresent()) {
          java.nio.file.Files.writeString(json.get(), String.format(java.util.Locale.ROOT,
              "{\"cluster\":%d,\"locals\":%d,\"groups\":%d,\"rounds\":%d,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}%n",
              cluster, locals, groups, rounds, p50, p99, latency[rounds - 1]));
        }
      }
    }
  }

  private static Endpoint remote(int i, int groups, int salt) {
    String ip = "10." + (100 + (i >> 16)) + "." + ((i >> 8) & 255) + "." + (i & 255);
    return new Endpoint(HandleId.parse("bench:c" + i + ":eth0"), "other-" + (i % 50), "cali" + String.format("%011x", i), "ee:ee:ee:ee:ee:ee",
        List.of(IpPrefix.parse("ip", ip + "/32")), List.of(GroupName.of("g" + (i % groups))), Map.of(), "/x", Instant.EPOCH);
  }

  private static Optional<String> stringArg(String[] args, String name) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Optional.of(args[i + 1]);
      }
    }
    return Optional.empty();
  }

  private static int intArg(String[] args, String name, int def) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return def;
  }
}
