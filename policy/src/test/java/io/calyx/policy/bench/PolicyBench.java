package io.calyx.policy.bench;

import io.calyx.core.ContainerId;
import io.calyx.core.GroupName;
import io.calyx.core.HandleId;
import io.calyx.core.InterfaceName;
import io.calyx.core.NetworkName;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import io.calyx.testkit.NetnsThreads;
import io.calyx.policy.PolicyEngine;
import io.calyx.policy.ProfileLoader;
import io.calyx.policy.nft.LibnftablesApplier;
import io.calyx.testkit.Netns;
import io.calyx.testkit.NetnsExtension.NetnsFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Not a test: how long the engine takes to put one endpoint's policy in force through libnftables with a
 * large ruleset already applied (1,000 local endpoints and 10,000 cluster endpoints in 100 groups), and to
 * apply one remote membership change. Runs in a fresh network namespace (root). Prints p50/p99 in ms.
 *
 * <pre>bench/policy-bench.sh [--locals N] [--cluster N] [--groups N] [--rounds N] [--json FILE]</pre>
 *
 * <p>With {@code --json FILE} the figures are also written to FILE as one JSON object.
 */
public final class PolicyBench {
  private PolicyBench() {}

  public static void main(String[] args) throws Exception {
    int locals = arg(args, "--locals", 1000);
    int cluster = arg(args, "--cluster", 10000);
    int groups = arg(args, "--groups", 100);
    int rounds = arg(args, "--rounds", 1000);
    java.util.Optional<java.nio.file.Path> json = stringArg(args, "--json").map(java.nio.file.Path::of);
    Random r = new Random(42);
    try (NetnsFactory factory = new NetnsFactory()) {
      // Ctrl-C/TERM: the namespace goes too (try-with-resources does not run on a signal).
      Runtime.getRuntime().addShutdownHook(new Thread(factory::close));
      Netns ns = factory.create();
      try (LibnftablesApplier nft = LibnftablesApplier.open("bench-nft", ns.name(), () -> NetnsThreads.enter(ns))) {
        Timed timed = new Timed(nft);
        PolicyEngine engine = new PolicyEngine("h0", List.of(5051), timed, ProfileLoader.DEFAULTS);
        List<Endpoint> all = new ArrayList<>();
        for (int i = 0; i < cluster; i++) {
          boolean local = i < locals;
          all.add(endpoint(local ? "h0" : "h" + (1 + i % 50), "c" + i, i, ip(i), "g" + r.nextInt(groups)));
        }
        long t0 = System.nanoTime();
        engine.reconcile(all, List.of());
        double full = ms(System.nanoTime() - t0);
        System.out.printf("ruleset: %d local endpoints, %d cluster endpoints, %d groups; full replacement %.1f ms%n", locals, cluster, groups, full);
        warm(engine, r, groups, cluster);

        double[] add = new double[rounds];
        double[] del = new double[rounds];
        double[] remote = new double[rounds];
        double[] profile = new double[rounds / 10];
        double[] addNft = new double[rounds];
        double[] remoteNft = new double[rounds];
        for (int i = 0; i < rounds; i++) {
          int n = cluster + 10 + i;
          Endpoint e = endpoint("h0", "new" + n, n, ip(n), "g" + r.nextInt(groups));
          long a = System.nanoTime();
          engine.endpointAdded(e);
          add[i] = ms(System.nanoTime() - a);
          addNft[i] = ms(timed.last);
          long d = System.nanoTime();
          engine.endpointRemoved(e.handle());
          del[i] = ms(System.nanoTime() - d);
          // A remote endpoint's record changes its group: one element leaves one set and joins another.
          int k = locals + r.nextInt(cluster - locals);
          Endpoint moved = endpoint("h" + (1 + k % 50), "c" + k, k, ip(k), "g" + r.nextInt(groups));
          long m = System.nanoTime();
          engine.remoteEndpointChanged(moved);
          remote[i] = ms(System.nanoTime() - m);
          remoteNft[i] = ms(timed.last);
          if (i % 10 == 0) {
            GroupName g = GroupName.of("g" + r.nextInt(groups));
            long p = System.nanoTime();
            engine.profileChanged(new io.calyx.core.policy.Profile(g, List.of(io.calyx.core.policy.Rule.allowFrom(g),
                io.calyx.core.policy.Rule.allowFrom(GroupName.of("g" + r.nextInt(groups)))), List.of(io.calyx.core.policy.Rule.allowAll())));
            profile[i / 10] = ms(System.nanoTime() - p);
          }
        }
        print("endpointAdded (one ADD batch)", add);
        print("  of which in libnftables", addNft);
        print("endpointRemoved (one DEL batch)", del);
        print("remoteEndpointChanged (membership move)", remote);
        print("  of which in libnftables", remoteNft);
        print("profileChanged (one profile's chains)", profile);
        System.out.printf("stats: %s%n", engine.stats());
        if (json.isPresent()) {
          String doc = String.format(java.util.Locale.ROOT,
              "{\"locals\":%d,\"cluster\":%d,\"groups\":%d,\"rounds\":%d,\"full_replacement_ms\":%.1f,\"endpoint_added\":%s,"
                  + "\"endpoint_added_nft\":%s,\"endpoint_removed\":%s,\"remote_changed\":%s,\"remote_changed_nft\":%s,\"profile_changed\":%s}%n",
              locals, cluster, groups, rounds, full, json(add), json(addNft), json(del), json(remote), json(remoteNft), json(profile));
          java.nio.file.Files.writeString(json.get(), doc);
        }
      }
    }
  }

  /** Measures the time spent inside the applier (libnftables plus the hand-off to its thread). */
  private static final class Timed implements io.calyx.policy.nft.NftApplier {
    private final io.calyx.policy.nft.NftApplier inner;
    volatile long last;

    Timed(io.calyx.policy.nft.NftApplier inner) {
      this.inner = inner;
    }

    @Override
    public void apply(io.calyx.policy.nft.NftBatch batch) {
      long t = System.nanoTime();
      try {
        inner.apply(batch);
      } finally {
        last = System.nanoTime() - t;
      }
    }

    @Override
    public java.util.Optional<io.calyx.policy.nft.TableSnapshot> readTable() {
      return inner.readTable();
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  private static void warm(PolicyEngine engine, Random r, int groups, int cluster) {
    for (int i = 0; i < 200; i++) {
      int n = cluster + 5_000_000 + i;
      Endpoint e = endpoint("h0", "warm" + i, n, ip(n), "g" + r.nextInt(groups));
      engine.endpointAdded(e);
      engine.endpointRemoved(e.handle());
    }
  }

  private static void print(String what, double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    System.out.printf("%-42s n=%d p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms%n", what, s.length, pct(s, 50), pct(s, 90), pct(s, 99), s[s.length - 1]);
  }

  private static String json(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return String.format(java.util.Locale.ROOT, "{\"n\":%d,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}",
        s.length, pct(s, 50), pct(s, 90), pct(s, 99), s[s.length - 1]);
  }

  /** Nearest rank, as add-budget.md computes it. */
  private static double pct(double[] sorted, int q) {
    int i = Math.min(sorted.length - 1, Math.max(0, (int) (q / 100.0 * sorted.length + 0.5) - 1));
    return sorted[i];
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static String ip(int n) {
    return "10." + (64 + (n >> 16 & 0x3f)) + "." + (n >> 8 & 0xff) + "." + (n & 0xff);
  }

  private static Endpoint endpoint(String node, String container, int n, String ip, String group) {
    return new Endpoint(new HandleId(NetworkName.of("calyx"), ContainerId.of(container), InterfaceName.of("eth0")), node,
        String.format("cali%011x", n), "ee:ee:ee:ee:ee:ee", List.of(IpPrefix.host(IpAddress.parse("ip", ip))),
        List.of(GroupName.of(group)), Map.of(), "/var/run/netns/x", Instant.EPOCH);
  }

  private static java.util.Optional<String> stringArg(String[] args, String name) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return java.util.Optional.of(args[i + 1]);
      }
    }
    return java.util.Optional.empty();
  }

  private static int arg(String[] args, String name, int dflt) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return dflt;
  }
}
