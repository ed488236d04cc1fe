package io.calyx.agent.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.agent.Cni;
import io.calyx.agent.ForwarderRun;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.testkit.Commands;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import io.calyx.testkit.Netns;
import io.calyx.testkit.NetnsExtension;
import io.calyx.testkit.NetnsExtension.NetnsFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Crashes: two simulated hosts, a real agent process each. Each iteration fires a burst of ADDs (new
 * containers) and DELs (live ones) at host 1, SIGKILLs its agent after a random delay, starts it again and
 * then does what Mesos does: a failed ADD is followed by a DEL, a failed DEL is repeated until it succeeds.
 * The audit must then be clean with exactly the successfully added containers live; at the end every
 * container is deleted and the audit must find nothing. No call may take longer than its timeout. Sizes:
 * {@code calyx.faults.crash.iterations} (CI 6, full 100), {@code calyx.faults.crash.burst} (CI 4, full 6),
 * {@code calyx.faults.crash.maxDelayMs} (300). Root only.
 */
@ExtendWith({EtcdExtension.class, NetnsExtension.class})
class CrashFaultsTest {
  private static final String POOL = "10.82.0.0/16";
  private static final String NET = "crash-net";
  /** The forwarder's own bound: timeout_seconds of the config. */
  private static final int TIMEOUT_SECONDS = 15;

  private record Op(String command, String container) {}

  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  void sigkilledAgentsLeaveNothingBehindOnceMesosRetries(Etcd etcd, NetnsFactory namespaces) throws Exception {
    int iterations = FaultConfig.size("crash.iterations", 6, 100);
    int burst = FaultConfig.size("crash.burst", 4, 6);
    int maxDelay = FaultConfig.size("crash.maxDelayMs", 300, 300);
    long seed = FaultConfig.seed();
    Random random = new Random(seed);
    long started = System.nanoTime();
    long operations = 0;
    long interrupted = 0;
    long invariants = 0;
    long slowest = 0;
    try (EtcdDatastore admin = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
        SimHosts hosts = new SimHosts(etcd.endpoint(), namespaces, 2, "crash");
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Cni.ensurePool(admin, POOL);
      AgentProcess agent = hosts.agent(1);
      String conf = hosts.conf(1, NET, POOL, "{\"groups\":[\"crash\"],\"name\":\"" + NET + "\"}")
          .replace("\"cniVersion\":\"0.2.0\"", "\"cniVersion\":\"0.2.0\",\"timeout_seconds\":" + TIMEOUT_SECONDS);
      // A container on host 2 that lives through every crash of host 1.
      Netns steady = namespaces.create();
      Map<String, String> live = new LinkedHashMap<>();
      live.put("steady", Cni.ip4(hosts.cni("ADD", "steady", steady, hosts.conf(2, NET, POOL, "{\"groups\":[\"crash\"],\"name\":\"" + NET + "\"}"))));
      Map<String, Netns> netnsOf = new HashMap<>();
      int next = 0;
      for (int it = 1; it <= iterations; it++) {
        String context = "seed " + seed + " iteration " + it;
        List<Op> ops = new ArrayList<>();
        List<String> deletable = live.keySet().stream().filter(c -> !c.equals("steady")).toList();
        for (int k = 0; k < burst; k++) {
          if (!deletable.isEmpty() && random.nextInt(3) == 0 && k < deletable.size()) {
            ops.add(new Op("DEL", deletable.get(k)));
          } else {
            String c = "cr-" + next++;
            netnsOf.put(c, namespaces.create());
            ops.add(new Op("ADD", c));
          }
        }
        List<Future<ForwarderRun>> calls = new ArrayList<>();
        for (Op op : ops) {
          calls.add(pool.submit(() -> hosts.cni(op.command(), op.container(), netnsOf.get(op.container()), conf)));
        }
        Thread.sleep(random.nextInt(maxDelay + 1));
        agent.kill();
        List<Op> failed = new ArrayList<>();
        for (int k = 0; k < ops.size(); k++) {
          ForwarderRun r = calls.get(k).get(TIMEOUT_SECONDS + 30, TimeUnit.SECONDS);
          slowest = Math.max(slowest, r.took().toMillis());
          assertThat(r.took()).as(context + ": no call hangs").isLessThan(Duration.ofSeconds(TIMEOUT_SECONDS + 5));
          Op op = ops.get(k);
          operations++;
          if (r.exit() == 0) {
            if (op.command().equals("ADD")) {
              live.put(op.container(), Cni.ip4(r));
            } else {
              live.remove(op.container());
              forget(netnsOf, op.container());
            }
          } else {
            // One CNI error document, whatever the moment of the crash.
            assertThat(r.json().get("code").isInt()).as(context + " " + op + ": " + r.stdout()).isTrue();
            failed.add(op);
            interrupted++;
          }
        }
        agent.start();
        // Mesos: a failed ADD is cleaned up with DEL; a failed DEL is retried.
        for (Op op : failed) {
          ForwarderRun del = null;
          for (int attempt = 0; attempt < 5; attempt++) {
            del = hosts.cni("DEL", op.container(), netnsOf.get(op.container()), conf);
            operations++;
            if (del.exit() == 0) {
              break;
            }
            Thread.sleep(1000);
          }
          assertThat(del.exit()).as(context + " retried DEL of " + op + ": " + del.stdout()).isZero();
          live.remove(op.container());
          forget(netnsOf, op.container());
        }
        Audit.Result audit = Audit.eventually(admin, hosts.views(), live, Duration.ofSeconds(30));
        assertThat(audit.violations()).as(context + " audit (live: " + live.keySet() + ")").isEmpty();
        invariants += audit.invariants();
      }
      assertThat(Cni.eventually(10, () -> Cni.ping(steady, live.values().stream().filter(ip -> !ip.equals(live.get("steady")))
          .findFirst().orElse(live.get("steady"))))).as("containers still reach each other across hosts").isTrue();
      for (String c : new ArrayList<>(live.keySet())) {
        boolean onHost2 = c.equals("steady");
        ForwarderRun del = hosts.cni("DEL", c, onHost2 ? steady : netnsOf.get(c),
            onHost2 ? hosts.conf(2, NET, POOL, "{\"name\":\"" + NET + "\"}") : conf);
        assertThat(del.exit()).as("final DEL of " + c + ": " + del.stdout()).isZero();
        operations++;
        live.remove(c);
      }
      Audit.Result end = Audit.eventually(admin, hosts.views(), Map.of(), Duration.ofSeconds(30));
      assertThat(end.violations()).as("seed " + seed + ": audit after every DEL").isEmpty();
      invariants += end.invariants();
      FaultConfig.record("crash", seed, operations, iterations, invariants, 0, (System.nanoTime() - started) / 1_000_000,
          iterations + " SIGKILLs of a real agent process during bursts of " + burst + " ADD/DEL (delay 0-" + maxDelay + " ms), "
              + interrupted + " operations interrupted and retried as Mesos does, slowest call " + slowest + " ms, "
              + agent.starts() + " agent starts");
    }
  }

  private static void forget(Map<String, Netns> netnsOf, String container) {
    Netns ns = netnsOf.remove(container);
    if (ns != null) {
      Commands.run(List.of("ip", "netns", "del", ns.name()), 30);
    }
  }
}
