package io.calyx.agent.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.agent.Cni;
import io.calyx.agent.ForwarderRun;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import io.calyx.testkit.Netns;
import io.calyx.testkit.NetnsExtension;
import io.calyx.testkit.NetnsExtension.NetnsFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Load: 4 simulated hosts with a real agent process each, N concurrent ADDs (spread over the hosts, two
 * groups) then N concurrent DELs, repeated R times. Every ADD and DEL succeeds, no address is given twice,
 * the audit is clean with everything live and again with everything gone, and a sample of live containers
 * reach each other exactly as their groups say. Sizes: {@code calyx.faults.load.containers} (CI 40, full
 * 200), {@code calyx.faults.load.rounds} (CI 1, full 3). Root only.
 */
@ExtendWith({EtcdExtension.class, NetnsExtension.class})
class LoadFaultsTest {
  private static final String POOL = "10.81.0.0/16";

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void concurrentAddsAndDelsOnFourHostsLeaveNoDuplicateAndNoLeak(Etcd etcd, NetnsFactory namespaces) throws Exception {
    int containers = FaultConfig.size("load.containers", 40, 200);
    int rounds = FaultConfig.size("load.rounds", 1, 3);
    int pairs = FaultConfig.size("load.pairs", 4, 16);
    long seed = FaultConfig.seed();
    Random random = new Random(seed);
    long started = System.nanoTime();
    long operations = 0;
    long invariants = 0;
    String net = "load-net";
    try (EtcdDatastore admin = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
        SimHosts hosts = new SimHosts(etcd.endpoint(), namespaces, 4, "load");
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Cni.ensurePool(admin, POOL);
      List<Netns> netns = new ArrayList<>();
      for (int i = 0; i < containers; i++) {
        netns.add(namespaces.create());
      }
      for (int round = 1; round <= rounds; round++) {
        String context = "seed " + seed + " round " + round;
        Map<String, String> live = new ConcurrentHashMap<>();
        List<Future<ForwarderRun>> adds = new ArrayList<>();
        for (int i = 0; i < containers; i++) {
          int n = i;
          adds.add(pool.submit(() -> hosts.cni("ADD", "ld-" + n, netns.get(n), conf(hosts, n))));
        }
        for (int i = 0; i < containers; i++) {
          ForwarderRun add = adds.get(i).get(90, TimeUnit.SECONDS);
          assertThat(add.exit()).as(context + " ADD ld-" + i + ": " + add.stdout() + add.stderr()).isZero();
          live.put("ld-" + i, Cni.ip4(add));
        }
        operations += containers;
        assertThat(live.values()).as(context + ": no address twice").doesNotHaveDuplicates();
        Audit.Result withLive = Audit.eventually(admin, hosts.views(), live, Duration.ofSeconds(20));
        assertThat(withLive.violations()).as(context + " audit with every container live").isEmpty();
        invariants += withLive.invariants();

        // Policy as the groups say, across hosts: same group reaches, the other group does not.
        for (int k = 0; k < pairs; k++) {
          int a = random.nextInt(containers);
          int b = random.nextInt(containers);
          if (a % 4 == b % 4) {
            b = (b + 1) % containers;
          }
          boolean sameGroup = a % 2 == b % 2;
          int from = a;
          int to = b;
          boolean reached = sameGroup
              ? Cni.eventually(10, () -> Cni.ping(netns.get(from), live.get("ld-" + to)))
              : Cni.ping(netns.get(from), live.get("ld-" + to));
          assertThat(reached).as(context + ": ld-" + a + " -> ld-" + b + (sameGroup ? " same group" : " other group")).isEqualTo(sameGroup);
          invariants++;
        }

        List<Future<ForwarderRun>> dels = new ArrayList<>();
        for (int i = 0; i < containers; i++) {
          int n = i;
          dels.add(pool.submit(() -> hosts.cni("DEL", "ld-" + n, netns.get(n), conf(hosts, n))));
        }
        for (int i = 0; i < containers; i++) {
          ForwarderRun del = dels.get(i).get(90, TimeUnit.SECONDS);
          assertThat(del.exit()).as(context + " DEL ld-" + i + ": " + del.stdout() + del.stderr()).isZero();
        }
        operations += containers;
        Audit.Result empty = Audit.eventually(admin, hosts.views(), Map.of(), Duration.ofSeconds(20));
        assertThat(empty.violations()).as(context + " audit after every DEL").isEmpty();
        invariants += empty.invariants();
      }
      FaultConfig.record("load", seed, operations, 0, invariants, 0, (System.nanoTime() - started) / 1_000_000,
          "4 hosts, " + containers + " concurrent ADDs then DELs x " + rounds + " rounds, " + pairs + " policy pairs per round");
    }
  }

  /** Container n lives on host n % 4 + 1, in group g0 or g1. */
  private static String conf(SimHosts hosts, int n) {
    return hosts.conf(n % 4 + 1, "load-net", POOL, "{\"groups\":[\"g" + (n % 2) + "\"],\"name\":\"load-net\"}");
  }
}
