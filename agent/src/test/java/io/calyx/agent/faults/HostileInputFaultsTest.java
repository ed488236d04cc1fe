package io.calyx.agent.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.calyx.agent.Cni;
import io.calyx.agent.ForwarderRun;
import io.calyx.cni.spec.Json;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.store.Datastore;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.ipam.Keys;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import io.calyx.testkit.Netns;
import io.calyx.testkit.NetnsExtension;
import io.calyx.testkit.NetnsExtension.NetnsFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hostile input through the real plugin against a real agent process: seeded random NetworkInfo groups,
 * labels, container ids, interface and network names full of shell and nft metacharacters, unicode, control
 * characters, wrong JSON types, deep nesting and huge values. Every call answers within its timeout with one
 * CNI error document or a correct result; a refused ADD changes nothing (no link, route, nft element,
 * endpoint record or allocation), an accepted one is a proper endpoint that DEL removes; no shell ever runs
 * anything a task wrote (canary files), and the audit is clean at the end. Size:
 * {@code calyx.faults.hostile.cases} (CI 60, full 600). Root only.
 */
@ExtendWith({EtcdExtension.class, NetnsExtension.class})
class HostileInputFaultsTest {
  private static final String POOL = "10.84.0.0/16";

  private static final List<String> NASTY = List.of(
      "", " ", "a b", "x;rm -rf /", "$(touch /tmp/calyx-canary-1)", "`touch /tmp/calyx-canary-2`", "|touch /tmp/calyx-canary-3",
      "a&&b", "'", "\"", "\\", "\n", "\r\n", "\t", "\u0001", "\u007f", "\u0000", "ü", "\uD83D\uDE00", "\u202e", "{", "}", "[", "]",
      "a".repeat(300), "public", "-", "--", "-rf", ".", "..", "../../etc", "eth0", "*", "?", "~", "#", "%s%n", "10.0.0.1", "::1",
      // nft syntax a name must never be able to inject
      "x; flush ruleset", "} ; add rule inet calyx from_endpoints accept ;", "@endpoints_in", "$var", "cali0123456789a",
      "in_cali0123456789a", "drop", "accept", "g4_x", "web", "db", "web,db", "web db");

  private static String pick(Random r, List<String> options) {
    return options.get(r.nextInt(options.size()));
  }

  private static String q(String s) {
    return Json.MAPPER.getNodeFactory().textNode(s).toString();
  }

  /** A hostile string: a nasty one, random code points, or a combination. */
  private static String nasty(Random r) {
    return switch (r.nextInt(4)) {
      case 0 -> {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 1 + r.nextInt(20); i++) {
          b.appendCodePoint(r.nextInt(3) == 0 ? r.nextInt(0x20) : r.nextInt(2) == 0 ? 0x20 + r.nextInt(0x5f) : 0xa0 + r.nextInt(0x2000));
        }
        yield b.toString();
      }
      case 1 -> pick(r, NASTY) + pick(r, NASTY);
      default -> pick(r, NASTY);
    };
  }

  /** A JSON value of a random type, hostile when textual. */
  private static String value(Random r) {
    return switch (r.nextInt(8)) {
      case 0 -> "123";
      case 1 -> "null";
      case 2 -> "{\"a\":" + q(nasty(r)) + "}";
      case 3 -> "[" + q(nasty(r)) + "]";
      case 4 -> "[".repeat(200) + "]".repeat(200);
      default -> q(nasty(r));
    };
  }

  private static String networkInfo(Random r, String net) {
    if (r.nextBoolean()) {
      // Valid in shape, hostile in text: label keys and values (kept, sanitised), and group names.
      return "{\"groups\":[" + q(r.nextInt(3) == 0 ? nasty(r) : "ok") + "],\"labels\":{\"labels\":[{\"key\":" + q(nasty(r))
          + ",\"value\":" + q(nasty(r)) + "},{\"key\":\"app\",\"value\":" + q(nasty(r)) + "}]},\"name\":" + q(net) + "}";
    }
    StringBuilder groups = new StringBuilder();
    for (int i = 0; i < r.nextInt(4); i++) {
      groups.append(i > 0 ? "," : "").append(r.nextInt(3) == 0 ? q("ok" + i) : value(r));
    }
    String label = "{\"key\":" + (r.nextBoolean() ? "\"calyx.groups\"" : value(r)) + ",\"value\":"
        + (r.nextInt(10) == 0 ? q("v".repeat(1 << 20)) : value(r)) + "}";
    String labels = r.nextInt(6) == 0 ? value(r) : "{\"labels\":[" + label + "," + "{\"key\":" + q(nasty(r)) + ",\"value\":" + q(nasty(r)) + "}]}";
    String groupsJson = r.nextInt(6) == 0 ? value(r) : "[" + groups + "]";
    return "{\"groups\":" + groupsJson + ",\"labels\":" + labels + ",\"name\":" + (r.nextInt(5) == 0 ? value(r) : q(net)) + "}";
  }

  private record Footprint(Set<String> links, Set<String> routes, int handles, int endpoints, String nft) {}

  private static Footprint footprint(Datastore store, Netns host) {
    return new Footprint(Audit.caliLinks(host), Audit.hostRoutes(host), store.list(Keys.HANDLES, Cni.soon()).kvs().size(),
        store.list(Endpoint.ROOT, Cni.soon()).kvs().size(), host.exec("nft", "list", "table", "inet", "calyx").stdout());
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void hostileGroupsLabelsAndIdsGetAnErrorOrACorrectResultAndNeverAPartialChange(Etcd etcd, NetnsFactory namespaces) throws Exception {
    int cases = FaultConfig.size("hostile.cases", 60, 600);
    long seed = FaultConfig.seed();
    Random random = new Random(seed);
    long started = System.nanoTime();
    int accepted = 0;
    int refused = 0;
    long invariants = 0;
    String net = "hostile-net";
    try (EtcdDatastore admin = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
        SimHosts hosts = new SimHosts(etcd.endpoint(), namespaces, 1, "hostile")) {
      Cni.ensurePool(admin, POOL);
      Netns host = hosts.host(1);
      Netns container = namespaces.create();
      // The agent puts its table in place in its first pass, after start and independently of ADDs a
      // refusal answers before: wait for it, or a footprint taken before and one after would differ by it
      // (seen once, a run whose first cases were all refused).
      for (int tries = 0; tries < 300 && host.exec("nft", "list", "table", "inet", "calyx").exitCode() != 0; tries++) {
        Thread.sleep(100);
      }
      assertThat(host.exec("nft", "list", "table", "inet", "calyx").exitCode()).as("the agent's table is in place").isZero();
      for (int i = 0; i < cases; i++) {
        boolean plain = random.nextBoolean();
        String id = plain || r(random) ? "h" + i : nasty(random).replace("\u0000", "") + i;
        String ifname = !plain && random.nextInt(8) == 0 ? nasty(random).replace("\u0000", "") : "eth0";
        String network = !plain && random.nextInt(8) == 0 ? nasty(random) : net;
        String conf = !plain && random.nextInt(10) == 0
            ? "{\"cniVersion\":" + value(random) + ",\"name\":" + value(random) + ",\"type\":\"calyx\",\"agent_socket\":"
                + q(hosts.agent(1).socket().toString()) + ",\"ipam\":" + value(random) + "}"
            : Cni.conf(net, POOL, hosts.agent(1).socket(), networkInfo(random, network)).replace("\"name\":\"" + net + "\",\"agent",
                "\"name\":" + q(network) + ",\"agent");
        String context = "seed " + seed + " case " + i + " id " + q(id) + " ifname " + q(ifname) + " conf "
            + conf.substring(0, Math.min(conf.length(), 400));
        Footprint before = footprint(admin, host);
        ForwarderRun add = Cni.call("ADD", id, container, ifname, conf);
        assertThat(add.took()).as(context + ": answered in time").isLessThan(Duration.ofSeconds(35));
        assertThat(add.stdout().strip().lines()).as(context + ": one document: " + add.stdout()).hasSize(1);
        JsonNode doc = add.json();
        if (add.exit() == 0) {
          accepted++;
          String ip = Cni.ip4(add);
          Audit.Result audit = Audit.eventually(admin, hosts.views(), Map.of(id, ip), Duration.ofSeconds(10));
          assertThat(audit.violations()).as(context).isEmpty();
          invariants += audit.invariants();
          ForwarderRun del = Cni.call("DEL", id, container, ifname, conf);
          assertThat(del.exit()).as(context + " DEL: " + del.stdout()).isZero();
          // The kernel unregisters the pair just after DEL answered; the next case reuses the namespace.
          assertThat(Cni.linkGone(container, ifname)).as(context + ": container interface gone after DEL").isTrue();
        } else {
          refused++;
          assertThat(add.exit()).as(context).isEqualTo(1);
          assertThat(doc.get("code").isInt() && doc.get("msg").isTextual()).as(context + ": " + add.stdout()).isTrue();
          assertThat(footprint(admin, host)).as(context + ": a refused ADD changes nothing: " + add.stdout()).isEqualTo(before);
          assertThat(container.exec("ip", "link", "show", ifname.isEmpty() ? "eth0" : ifname).exitCode() != 0
              || ifname.equals("lo")).as(context + ": no container interface").isTrue();
          invariants += 5;
          // Mesos cleans up a failed ADD with DEL: one document or none, never a crash.
          ForwarderRun del = Cni.call("DEL", id, container, ifname, conf);
          assertThat(del.exit()).as(context + " DEL").isIn(0, 1);
          if (del.exit() == 1) {
            del.json();
          }
        }
        invariants += 2;
      }
      // Ten megabytes on stdin: one error, nothing changed.
      Footprint before = footprint(admin, host);
      ForwarderRun big = Cni.call("ADD", "big", container, "eth0", "{\"cniVersion\":\"0.4.0\",\"name\":\"" + net + "\",\"x\":\""
          + "x".repeat(10 * 1024 * 1024) + "\"}");
      big.json();
      assertThat(big.exit()).isEqualTo(1);
      assertThat(footprint(admin, host)).isEqualTo(before);
      for (int k = 1; k <= 3; k++) {
        assertThat(Files.exists(Path.of("/tmp/calyx-canary-" + k))).as("no shell ran a task's text").isFalse();
      }
      Audit.Result end = Audit.eventually(admin, hosts.views(), Map.of(), Duration.ofSeconds(20));
      assertThat(end.violations()).as("seed " + seed).isEmpty();
      invariants += end.invariants();
      FaultConfig.record("hostile", seed, cases + 1L, cases + 1L, invariants, 0, (System.nanoTime() - started) / 1_000_000,
          (cases + 1) + " hostile ADDs through the real plugin and agent (+ DEL each): " + accepted + " accepted and removed, "
              + (refused + 1) + " refused with one CNI error and no change (incl. 10 MB stdin)");
    }
  }

  private static boolean r(Random random) {
    return random.nextInt(3) != 0;
  }
}
