package io.calyx.cni.skel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.calyx.cni.RecordingHandler;
import io.calyx.cni.request.Role;
import io.calyx.cni.UnavailableHandler;
import io.calyx.cni.spec.Json;
import io.calyx.core.Deadline;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DispatcherTest {
  private static final String CONF = "{\"cniVersion\":\"1.1.0\",\"name\":\"net1\",\"type\":\"calyx\"}";
  private final RecordingHandler plugin = new RecordingHandler();
  private final RecordingHandler ipam = new RecordingHandler();
  private final CniDispatcher dispatcher = new CniDispatcher(Map.of(Role.PLUGIN, plugin, Role.IPAM, ipam));

  private static Map<String, String> env(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private CniResponse run(Role role, Map<String, String> env, String stdin) {
    return dispatcher.handle(role, env, stdin.getBytes(StandardCharsets.UTF_8), Deadline.in(Duration.ofSeconds(30), Clock.systemUTC()));
  }

  private static JsonNode error(CniResponse r) {
    assertThat(r.exitCode()).as(r.stdoutText()).isEqualTo(1);
    JsonNode e = Json.parse(r.stdout(), "error");
    assertThat(e.get("msg").isTextual()).isTrue();
    return e;
  }

  private static final Map<String, String> ADD_ENV =
      Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c1", "CNI_NETNS", "/var/run/netns/x", "CNI_IFNAME", "eth0");

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "no command|CNI_IFNAME=eth0|required env variables [CNI_COMMAND] missing",
        "unknown command|CNI_COMMAND=FOO|unknown CNI_COMMAND \"FOO\"",
        "add without anything|CNI_COMMAND=ADD|required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing",
        "add without netns|CNI_COMMAND=ADD,CNI_CONTAINERID=c1,CNI_IFNAME=eth0|required env variables [CNI_NETNS] missing",
        "check without ifname|CNI_COMMAND=CHECK,CNI_CONTAINERID=c1,CNI_NETNS=/x|required env variables [CNI_IFNAME] missing",
        "del without id|CNI_COMMAND=DEL,CNI_IFNAME=eth0|required env variables [CNI_CONTAINERID] missing",
        "bad id|CNI_COMMAND=ADD,CNI_CONTAINERID=-x,CNI_NETNS=/x,CNI_IFNAME=eth0|CNI_CONTAINERID: ",
        "bad ifname|CNI_COMMAND=ADD,CNI_CONTAINERID=c1,CNI_NETNS=/x,CNI_IFNAME=a/b|CNI_IFNAME: ",
        "long ifname|CNI_COMMAND=DEL,CNI_CONTAINERID=c1,CNI_IFNAME=abcdefghijklmnop|CNI_IFNAME: ",
        "relative netns|CNI_COMMAND=ADD,CNI_CONTAINERID=c1,CNI_NETNS=ns,CNI_IFNAME=eth0|CNI_NETNS: ",
      })
  void environmentErrorsAreCode4(String name, String envText, String message) {
    Map<String, String> env = new HashMap<>();
    for (String kv : envText.split(",")) {
      String[] p = kv.split("=", 2);
      env.put(p[0], p[1]);
    }
    JsonNode e = error(run(Role.PLUGIN, env, CONF));
    assertThat(e.get("code").intValue()).isEqualTo(4);
    assertThat(e.get("msg").textValue()).startsWith(message);
    assertThat(plugin.adds).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not json|{not json|6|is not valid JSON",
        "empty|''|6|is empty",
        "trailing garbage|{\"name\":\"n\",\"type\":\"calyx\"} x|6|is not valid JSON",
        "duplicate key|{\"name\":\"n\",\"name\":\"m\",\"type\":\"calyx\"}|6|is not valid JSON",
        "array|[1,2]|7|the document must be a JSON object",
        "no name|{\"type\":\"calyx\"}|7|name is required",
        "bad name|{\"name\":\"-x\",\"type\":\"calyx\"}|7|name: ",
        "no type|{\"name\":\"n\"}|7|type is required",
        "type not a string|{\"name\":\"n\",\"type\":5}|7|type must be a string",
        "bad version|{\"cniVersion\":\"9.9.9\",\"name\":\"n\",\"type\":\"calyx\"}|1|incompatible CNI versions",
        "no common version|{\"cniVersions\":[\"2.0.0\"],\"name\":\"n\",\"type\":\"calyx\"}|1|none of cniVersions",
        "foreign ipam|{\"name\":\"n\",\"type\":\"calyx\",\"ipam\":{\"type\":\"host-local\"}}|2|ipam.type \"host-local\"",
        "ipam without type|{\"name\":\"n\",\"type\":\"calyx\",\"ipam\":{}}|7|ipam.type is required",
        "pool not cidr|{\"name\":\"n\",\"type\":\"calyx\",\"ipam\":{\"type\":\"calyx-ipam\",\"pools\":[\"10.0.0.1\"]}}|7|ipam.pools[0]",
        "pool host bits|{\"name\":\"n\",\"type\":\"calyx\",\"ipam\":{\"type\":\"calyx-ipam\",\"pools\":[\"10.0.0.1/8\"]}}|7|did you mean 10.0.0.0/8",
        "no family|{\"name\":\"n\",\"type\":\"calyx\",\"ipam\":{\"type\":\"calyx-ipam\",\"assign_ipv4\":false}}|7|nothing to allocate",
        "mtu string|{\"name\":\"n\",\"type\":\"calyx\",\"mtu\":\"1500\"}|7|mtu must be an integer",
        "mtu tiny|{\"name\":\"n\",\"type\":\"calyx\",\"mtu\":10}|7|mtu must be an integer from 68",
        "timeout zero|{\"name\":\"n\",\"type\":\"calyx\",\"timeout_seconds\":0}|7|timeout_seconds",
        "relative socket|{\"name\":\"n\",\"type\":\"calyx\",\"agent_socket\":\"agent.sock\"}|7|agent_socket",
        "args not object|{\"name\":\"n\",\"type\":\"calyx\",\"args\":[]}|7|args must be a JSON object",
        "labels wrong|{\"name\":\"n\",\"type\":\"calyx\",\"args\":{\"org.apache.mesos\":{\"network_info\":{\"labels\":{\"labels\":[{\"value\":\"v\"}]}}}}}|7|args.org.apache.mesos.network_info.labels.labels[0].key is required",
        "port out of range|{\"name\":\"n\",\"type\":\"calyx\",\"args\":{\"org.apache.mesos\":{\"network_info\":{\"port_mappings\":[{\"container_port\":70000,\"host_port\":1}]}}}}|7|container_port",
        "bad protocol|{\"name\":\"n\",\"type\":\"calyx\",\"args\":{\"org.apache.mesos\":{\"network_info\":{\"port_mappings\":[{\"container_port\":1,\"host_port\":1,\"protocol\":\"icmp\"}]}}}}|7|unknown protocol",
        "static ip wrong family|{\"name\":\"n\",\"type\":\"calyx\",\"args\":{\"org.apache.mesos\":{\"network_info\":{\"ip_addresses\":[{\"protocol\":\"IPv6\",\"ip_address\":\"10.0.0.1\"}]}}}}|7|is not an IPv6 address",
        "nameserver not ip|{\"name\":\"n\",\"type\":\"calyx\",\"dns\":{\"nameservers\":[\"dns.example\"]}}|7|dns.nameservers[0]",
      })
  void configurationErrors(String name, String stdin, int code, String message) {
    JsonNode e = error(run(Role.PLUGIN, ADD_ENV, stdin.equals("''") ? "" : stdin));
    assertThat(e.get("code").intValue()).isEqualTo(code);
    assertThat(e.get("msg").textValue()).contains(message);
    assertThat(plugin.adds).isEmpty();
  }

  @Test
  void incompatibleVersionDetailsListWhatIsSupported() {
    JsonNode e = error(run(Role.PLUGIN, ADD_ENV, "{\"cniVersion\":\"0.9.0\",\"name\":\"n\",\"type\":\"calyx\"}"));
    assertThat(e.get("details").textValue()).contains("0.1.0").contains("1.1.0");
  }

  @Test
  void errorCarriesTheConfigVersion() {
    JsonNode e = error(run(Role.PLUGIN, ADD_ENV, "{\"cniVersion\":\"0.3.1\",\"name\":\"n\"}"));
    assertThat(e.get("cniVersion").textValue()).isEqualTo("0.3.1");
  }

  @Test
  void cniVersionsPicksTheHighestSupported() {
    CniResponse r = run(Role.PLUGIN, ADD_ENV, "{\"cniVersions\":[\"0.3.1\",\"1.0.0\",\"9.0.0\"],\"name\":\"n\",\"type\":\"calyx\"}");
    assertThat(Json.parse(r.stdout(), "r").get("cniVersion").textValue()).isEqualTo("1.0.0");
  }

  @Test
  void versionNeedsNothingElse() {
    CniResponse r = run(Role.IPAM, env("CNI_COMMAND", "VERSION"), "");
    assertThat(r.exitCode()).isZero();
    JsonNode v = Json.parse(r.stdout(), "version");
    assertThat(v.get("supportedVersions")).hasSize(7);
    assertThat(v.get("cniVersion").textValue()).isEqualTo("1.1.0");
  }

  @Test
  void checkNeedsVersion040AndAPrevResult() {
    Map<String, String> check = new HashMap<>(ADD_ENV);
    check.put("CNI_COMMAND", "CHECK");
    assertThat(error(run(Role.PLUGIN, check, "{\"cniVersion\":\"0.3.1\",\"name\":\"n\",\"type\":\"calyx\"}")).get("code").intValue()).isEqualTo(1);
    assertThat(error(run(Role.PLUGIN, check, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"calyx\"}")).get("msg").textValue()).contains("prevResult");
    String prev = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"calyx\",\"prevResult\":{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\"/x\"}],\"ips\":[{\"address\":\"10.1.2.3/32\",\"interface\":0}]}}";
    CniResponse ok = run(Role.PLUGIN, check, prev);
    assertThat(ok.exitCode()).isZero();
    assertThat(ok.stdout()).isEmpty();
    assertThat(plugin.checks.getFirst().prevResult().ips().getFirst().address().toString()).isEqualTo("10.1.2.3/32");
  }

  @Test
  void statusAndGcReachTheHandler() {
    assertThat(run(Role.PLUGIN, env("CNI_COMMAND", "STATUS"), CONF).exitCode()).isZero();
    assertThat(plugin.statuses).hasSize(1);
    String gc = "{\"cniVersion\":\"1.1.0\",\"name\":\"net1\",\"type\":\"calyx\",\"cni.dev/valid-attachments\":[{\"containerID\":\"c1\",\"ifname\":\"eth0\"}]}";
    assertThat(run(Role.PLUGIN, env("CNI_COMMAND", "GC"), gc).exitCode()).isZero();
    String gcOld = "{\"cniVersion\":\"1.1.0\",\"name\":\"net1\",\"type\":\"calyx\",\"cni.dev/attachments\":[{\"containerID\":\"c2\",\"ifname\":\"eth1\"}]}";
    assertThat(run(Role.PLUGIN, env("CNI_COMMAND", "GC"), gcOld).exitCode()).isZero();
    assertThat(plugin.gcs).hasSize(2);
    assertThat(plugin.gcs.get(0).validAttachments().getFirst().toString()).isEqualTo("c1/eth0");
    assertThat(plugin.gcs.get(1).validAttachments().getFirst().toString()).isEqualTo("c2/eth1");
  }

  @Test
  void ipamRoleNeedsAnIpamSectionAndAnswersWithoutInterfaces() {
    String bridge = "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"bridge\",\"ipam\":{\"type\":\"calyx-ipam\",\"agent_socket\":\"/run/x.sock\"}}";
    CniResponse r = run(Role.IPAM, ADD_ENV, bridge);
    assertThat(r.exitCode()).isZero();
    assertThat(ipam.adds).hasSize(1);
    assertThat(plugin.adds).isEmpty();
    assertThat(error(run(Role.IPAM, ADD_ENV, "{\"name\":\"n\",\"type\":\"bridge\"}")).get("msg").textValue()).contains("ipam is required");
  }

  @Test
  void delWithGarbageStdinSucceedsWithNothingToDelete() {
    Map<String, String> del = env("CNI_COMMAND", "DEL", "CNI_CONTAINERID", "c1", "CNI_IFNAME", "eth0");
    CniResponse r = run(Role.PLUGIN, del, "{garbage");
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr()).contains("nothing to delete");
    assertThat(plugin.dels).isEmpty();
  }

  @Test
  void handlerExceptionsBecomeCode999AndUnavailableIsCode50() {
    CniDispatcher broken = new CniDispatcher(Map.of(Role.PLUGIN, new UnavailableHandler("no IPAM backend yet"), Role.IPAM, new RecordingHandler() {
      @Override
      public io.calyx.cni.spec.Result add(io.calyx.cni.service.AddRequest r) {
        throw new IllegalStateException("boom");
      }
    }));
    Deadline d = Deadline.in(Duration.ofSeconds(5), Clock.systemUTC());
    JsonNode unavailable = error(broken.handle(Role.PLUGIN, ADD_ENV, CONF.getBytes(StandardCharsets.UTF_8), d));
    assertThat(unavailable.get("code").intValue()).isEqualTo(50);
    assertThat(unavailable.get("details").textValue()).isEqualTo("no IPAM backend yet");
    assertThat(error(broken.handle(Role.PLUGIN, env("CNI_COMMAND", "STATUS"), CONF.getBytes(StandardCharsets.UTF_8), d)).get("code").intValue()).isEqualTo(50);
    Map<String, String> del = env("CNI_COMMAND", "DEL", "CNI_CONTAINERID", "c1", "CNI_IFNAME", "eth0");
    assertThat(broken.handle(Role.PLUGIN, del, CONF.getBytes(StandardCharsets.UTF_8), d).exitCode()).isZero();
    String ipamConf = "{\"name\":\"n\",\"type\":\"bridge\",\"ipam\":{\"type\":\"calyx-ipam\"}}";
    JsonNode internal = error(broken.handle(Role.IPAM, ADD_ENV, ipamConf.getBytes(StandardCharsets.UTF_8), d));
    assertThat(internal.get("code").intValue()).isEqualTo(999);
    assertThat(internal.get("msg").textValue()).contains("boom");
  }

  @Test
  void timeoutSecondsShortensTheDeadline() {
    run(Role.PLUGIN, ADD_ENV, "{\"name\":\"n\",\"type\":\"calyx\",\"timeout_seconds\":2}");
    Duration left = plugin.adds.getFirst().deadline().remaining();
    assertThat(left).isLessThanOrEqualTo(Duration.ofSeconds(2)).isPositive();
  }
}
