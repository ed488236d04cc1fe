package io.calyx.cni.skel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.calyx.cni.MesosEmulator;
import io.calyx.cni.RecordingHandler;
import io.calyx.cni.request.Role;
import io.calyx.cni.spec.Json;
import io.calyx.core.Deadline;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random invocations (environment, configuration, Mesos NetworkInfo): whatever arrives, the
 * dispatcher answers with exactly one JSON document (or nothing, for a successful DEL/CHECK/STATUS/GC) and
 * the matching exit code, and never throws. The seed is in every failure message.
 */
class RandomInputTest {
  private static final String MUTATIONS = "{}[]\",:\\ 0a";
  private static final List<String> COMMANDS = List.of("ADD", "DEL", "CHECK", "STATUS", "GC", "VERSION", "", "add", "NOPE");
  private static final List<String> NASTY = List.of(
      "", " ", "a b", "x;rm -rf /", "$(reboot)", "`id`", "\"", "\\", "\u0000", "\n", "ü", "\uD83D\uDE00", "{", "}", "[",
      "a".repeat(300), "public", "-", ".", "..", "eth0", "10.0.0.1", "10.0.0.0/8", "::1", "/var/run/netns/x", "0", "-1",
      "99999999999999999999", "1e309", "null", "true", "{\"a\":1}");

  @Test
  void noInputBreaksTheOneDocumentRule() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    CniDispatcher dispatcher = new CniDispatcher(Map.of(Role.PLUGIN, new RecordingHandler(), Role.IPAM, new RecordingHandler()));
    for (int i = 0; i < 3000; i++) {
      Map<String, String> env = env(random);
      byte[] stdin = stdin(random);
      Role role = random.nextBoolean() ? Role.PLUGIN : Role.IPAM;
      String context = "seed " + seed + " step " + i + " env " + env + " stdin " + new String(stdin, 0, Math.min(stdin.length, 300), StandardCharsets.UTF_8);
      CniResponse r;
      try {
        r = dispatcher.handle(role, env, stdin, Deadline.in(Duration.ofSeconds(5), Clock.systemUTC()));
      } catch (RuntimeException e) {
        throw new AssertionError(context, e);
      }
      assertThat(r.exitCode()).as(context).isIn(0, 1);
      if (r.stdout().length == 0) {
        assertThat(r.exitCode()).as(context).isZero();
        continue;
      }
      String text = r.stdoutText();
      assertThat(text).as(context).endsWith("\n");
      assertThat(text.strip().lines()).as(context).hasSize(1);
      JsonNode doc = Json.parse(r.stdout(), "stdout");
      if (r.exitCode() == 1) {
        assertThat(doc.get("code").isInt()).as(context).isTrue();
        assertThat(doc.get("msg").isTextual()).as(context).isTrue();
        assertThat(doc.get("cniVersion").isTextual()).as(context).isTrue();
      }
    }
  }

  private static String pick(Random r, List<String> options) {
    return options.get(r.nextInt(options.size()));
  }

  private static Map<String, String> env(Random r) {
    Map<String, String> env = new HashMap<>();
    env.put("CNI_COMMAND", r.nextInt(10) < 8 ? pick(r, COMMANDS.subList(0, 6)) : pick(r, COMMANDS));
    if (r.nextInt(10) < 8) {
      env.put("CNI_CONTAINERID", r.nextInt(3) == 0 ? pick(r, NASTY) : "c" + r.nextInt(1000));
    }
    if (r.nextInt(10) < 8) {
      env.put("CNI_NETNS", r.nextInt(3) == 0 ? pick(r, NASTY) : "/var/run/netns/n" + r.nextInt(10));
    }
    if (r.nextInt(10) < 8) {
      env.put("CNI_IFNAME", r.nextInt(3) == 0 ? pick(r, NASTY) : "eth" + r.nextInt(3));
    }
    return env;
  }

  private static byte[] stdin(Random r) {
    return switch (r.nextInt(6)) {
      case 0 -> randomBytes(r);
      case 1 -> mutate(r, validMesosConf(r));
      default -> validMesosConf(r);
    };
  }

  private static byte[] randomBytes(Random r) {
    byte[] b = new byte[r.nextInt(200)];
    r.nextBytes(b);
    return b;
  }

  private static byte[] mutate(Random r, byte[] in) {
    byte[] b = in.clone();
    for (int k = 0; k < 1 + r.nextInt(5) && b.length > 0; k++) {
      b[r.nextInt(b.length)] = (byte) MUTATIONS.charAt(r.nextInt(MUTATIONS.length()));
    }
    return b;
  }

  private static String q(Random r) {
    return Json.MAPPER.getNodeFactory().textNode(pick(r, NASTY)).toString();
  }

  /** A configuration whose every value may be replaced by a hostile one of any JSON type. */
  private static byte[] validMesosConf(Random r) {
    String version = r.nextInt(4) == 0 ? q(r) : "\"" + pick(r, List.of("0.1.0", "0.2.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0")) + "\"";
    String name = r.nextInt(5) == 0 ? q(r) : "\"ipc-net\"";
    String group = r.nextInt(3) == 0 ? q(r) : "\"web\"";
    String label = "{\"key\":" + (r.nextInt(4) == 0 ? q(r) : "\"calyx.groups\"") + ",\"value\":" + q(r) + "}";
    String port = "{\"container_port\":" + pick(r, List.of("80", "0", "-1", "70000", "\"80\"", "8.5")) + ",\"host_port\":31000,\"protocol\":" + q(r) + "}";
    String ip = "{\"protocol\":" + pick(r, List.of("\"IPv4\"", "\"IPv6\"", "\"IPX\"", "4")) + (r.nextBoolean() ? ",\"ip_address\":" + q(r) : "") + "}";
    String ni = "{\"groups\":[" + group + "],\"labels\":{\"labels\":[" + label + "]},\"name\":" + name
        + ",\"port_mappings\":[" + port + "],\"ip_addresses\":[" + ip + "]}";
    String conf = "{\"cniVersion\":" + version + ",\"name\":" + name + ",\"type\":\"calyx\",\"mtu\":" + pick(r, List.of("1500", "1", "\"x\"", "null"))
        + ",\"ipam\":{\"type\":" + pick(r, List.of("\"calyx-ipam\"", "\"host-local\"", "5")) + ",\"pools\":[" + q(r) + "]}"
        + (r.nextBoolean() ? ",\"prevResult\":{\"ips\":[{\"address\":" + q(r) + "}]}" : "")
        + (r.nextBoolean() ? ",\"cni.dev/valid-attachments\":[{\"containerID\":" + q(r) + ",\"ifname\":\"eth0\"}]" : "")
        + "}";
    if (r.nextInt(4) == 0) {
      return conf.getBytes(StandardCharsets.UTF_8);
    }
    return MesosEmulator.stdin(r.nextBoolean() ? conf.replace(",\"ipam\"", ",\"dns\":{\"nameservers\":[" + q(r) + "]},\"ipam\"") : conf, ni);
  }
}
