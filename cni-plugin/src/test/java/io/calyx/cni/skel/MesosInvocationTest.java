package io.calyx.cni.skel;

import static io.calyx.cni.MesosEmulator.CONTAINER_ID;
import static io.calyx.cni.MesosEmulator.OPERATOR_CONF;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.calyx.cni.MesosEmulator;
import io.calyx.cni.RecordingHandler;
import io.calyx.cni.request.Role;
import io.calyx.cni.service.AddRequest;
import io.calyx.cni.spec.Json;
import io.calyx.core.GroupName;
import io.calyx.core.mesos.PortMapping;
import io.calyx.core.mesos.Protocol;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Replays the exact invocations Mesos makes (mesos-contract.md §7) through the CNI layer. */
class MesosInvocationTest {
  private final RecordingHandler handler = new RecordingHandler();
  private final CniDispatcher dispatcher = new CniDispatcher(Map.of(Role.PLUGIN, handler, Role.IPAM, new RecordingHandler()));

  private CniResponse run(Map<String, String> env, byte[] stdin) {
    return dispatcher.handle(Role.PLUGIN, env, stdin, io.calyx.core.Deadline.in(Duration.ofSeconds(30), Clock.systemUTC()));
  }

  private CniResponse add(String networkInfo) {
    return run(MesosEmulator.env("ADD", CONTAINER_ID, true), MesosEmulator.stdin(OPERATOR_CONF, networkInfo));
  }

  private AddRequest onlyAdd() {
    assertThat(handler.adds).hasSize(1);
    return handler.adds.getFirst();
  }

  private static List<String> groups(AddRequest r) {
    return r.spec().groups().stream().map(GroupName::value).toList();
  }

  @Test
  void t1MarathonAppWithLabelsAndPortMapping() {
    CniResponse r = add("{\"ip_addresses\":[{\"protocol\":\"IPv4\"}],\"labels\":{\"labels\":[{\"key\":\"app\",\"value\":\"web\"},{\"key\":\"tier\",\"value\":\"frontend\"}]},\"name\":\"ipc-net\",\"port_mappings\":[{\"container_port\":8080,\"host_port\":31005,\"protocol\":\"tcp\"}]}");
    assertThat(r.exitCode()).isZero();
    assertThat(MesosEmulator.parseIp4(r.stdoutText())).isEqualTo(RecordingHandler.IP);
    AddRequest req = onlyAdd();
    assertThat(req.spec().labels()).containsEntry("app", "web").containsEntry("tier", "frontend");
    assertThat(req.spec().portMappings()).containsExactly(new PortMapping(8080, 31005, List.of(Protocol.TCP)));
    assertThat(req.netns()).isEqualTo("/var/run/mesos/isolators/network/cni/" + CONTAINER_ID + "/ns");
    assertThat(req.attachment().containerId().value()).isEqualTo(CONTAINER_ID);
    assertThat(groups(req)).containsExactly("ipc-net");
  }

  @Test
  void t7LegacyMarathonGroups() {
    add("{\"groups\":[\"prod\",\"frontend\"],\"ip_addresses\":[{\"protocol\":\"IPv4\"}],\"labels\":{\"labels\":[{\"key\":\"app\",\"value\":\"web\"}]},\"name\":\"ipc-net\"}");
    assertThat(groups(onlyAdd())).containsExactly("prod", "frontend");
  }

  @Test
  void marathon15GroupsFromTheCalyxGroupsLabel() {
    add("{\"ip_addresses\":[{\"protocol\":\"IPv4\"}],\"labels\":{\"labels\":[{\"key\":\"calyx.groups\",\"value\":\"web,public\"}]},\"name\":\"ipc-net\"}");
    AddRequest req = onlyAdd();
    assertThat(groups(req)).containsExactly("web", "public");
    assertThat(req.spec().groups().get(1).isPublic()).isTrue();
  }

  @Test
  void t9NoGroupsNoLabelsMesosExecute() {
    CniResponse r = add("{\"name\":\"ipc-net\"}");
    assertThat(r.exitCode()).isZero();
    assertThat(MesosEmulator.parseIp4(r.stdoutText())).isEqualTo(RecordingHandler.IP);
    AddRequest req = onlyAdd();
    assertThat(groups(req)).containsExactly("ipc-net");
    assertThat(req.spec().labels()).isEmpty();
    assertThat(req.spec().requestedIps()).isEmpty();
  }

  @Test
  void t10NoArgsWorksAsAPlainCniPlugin() {
    String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"ipc-net\",\"type\":\"calyx\"}";
    CniResponse r = run(MesosEmulator.env("ADD", CONTAINER_ID, true), conf.getBytes(StandardCharsets.UTF_8));
    assertThat(r.exitCode()).isZero();
    JsonNode out = Json.parse(r.stdout(), "result");
    assertThat(out.get("cniVersion").textValue()).isEqualTo("1.0.0");
    assertThat(out.get("ips").get(0).get("address").textValue()).isEqualTo(RecordingHandler.IP + "/32");
    assertThat(out.has("ip4")).as("plain 1.0.0 output carries no legacy fields").isFalse();
    assertThat(groups(onlyAdd())).containsExactly("ipc-net");
  }

  @Test
  void t13NestedContainerIdWithADot() {
    String nested = CONTAINER_ID + ".9b2d6e10-55aa-4c1e-8f0b-0d1c2e3f4a5b";
    CniResponse r = run(MesosEmulator.env("ADD", nested, true), MesosEmulator.stdin(OPERATOR_CONF, "{\"name\":\"ipc-net\"}"));
    assertThat(r.exitCode()).isZero();
    assertThat(onlyAdd().attachment().containerId().value()).isEqualTo(nested);
    CniResponse del = run(MesosEmulator.env("DEL", nested, true), MesosEmulator.stdin(OPERATOR_CONF, "{\"name\":\"ipc-net\"}"));
    assertThat(del.exitCode()).isZero();
    assertThat(handler.dels.getFirst().attachment().containerId().value()).isEqualTo(nested);
  }

  @Test
  void t14LabelEdgeCasesAreSanitisedDeterministically() {
    String ni = "{\"labels\":{\"labels\":[{\"key\":\"flag\"},{\"key\":\"team/owner\",\"value\":\"a b/c\"},{\"key\":\"long\",\"value\":\""
        + "x".repeat(200) + "\"},{\"key\":\"dup\",\"value\":\"1\"},{\"key\":\"dup\",\"value\":\"2\"},{\"key\":\"ünï\",\"value\":\"çødé\"}]},\"name\":\"ipc-net\"}";
    assertThat(add(ni).exitCode()).isZero();
    assertThat(add(ni).exitCode()).isZero();
    Map<String, String> first = handler.adds.get(0).spec().labels();
    assertThat(handler.adds.get(1).spec().labels()).isEqualTo(first);
    Pattern valid = Pattern.compile("[A-Za-z0-9_.\\-]{0,63}");
    first.forEach((k, v) -> {
      assertThat(k).matches(valid).isNotEmpty();
      assertThat(v).matches(valid);
    });
    assertThat(first).containsEntry("flag", "").containsEntry("team.owner", "a-b.c").containsEntry("dup", "2");
    assertThat(first.get("long")).hasSize(63);
  }

  @Test
  void t15PortMappingProtocolsSplitAndDefaulted() {
    add("{\"name\":\"ipc-net\",\"port_mappings\":[{\"container_port\":53,\"host_port\":31053,\"protocol\":\"udp,tcp\"},{\"container_port\":80,\"host_port\":31080}]}");
    assertThat(onlyAdd().spec().portMappings()).containsExactly(
        new PortMapping(53, 31053, List.of(Protocol.UDP, Protocol.TCP)), new PortMapping(80, 31080, List.of(Protocol.TCP)));
  }

  @Test
  void t16PodPayload() {
    CniResponse r = add("{\"labels\":{},\"name\":\"ipc-net\",\"port_mappings\":[{\"container_port\":80,\"host_port\":31080,\"protocol\":\"tcp\"},{\"container_port\":80,\"host_port\":31080,\"protocol\":\"udp\"}]}");
    assertThat(r.exitCode()).isZero();
    assertThat(MesosEmulator.parseIp4(r.stdoutText())).isEqualTo(RecordingHandler.IP);
    assertThat(onlyAdd().spec().portMappings()).hasSize(2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"})
  void t18EveryVersionGivesMesosAnIp4InCidrForm(String version) {
    String conf = version.isEmpty()
        ? "{\"name\":\"ipc-net\",\"type\":\"calyx\"}"
        : "{\"cniVersion\":\"" + version + "\",\"name\":\"ipc-net\",\"type\":\"calyx\"}";
    CniResponse r = run(MesosEmulator.env("ADD", CONTAINER_ID, true),
        MesosEmulator.stdin(conf, "{\"ip_addresses\":[{\"protocol\":\"IPv4\"}],\"labels\":{},\"name\":\"ipc-net\"}"));
    assertThat(r.exitCode()).isZero();
    assertThat(MesosEmulator.parseIp4(r.stdoutText())).isEqualTo(RecordingHandler.IP);
    JsonNode out = Json.parse(r.stdout(), "result");
    assertThat(out.get("cniVersion").textValue()).isEqualTo(version.isEmpty() ? "0.2.0" : version);
    if (!version.isEmpty() && !version.startsWith("0.1") && !version.startsWith("0.2")) {
      assertThat(out.get("ips").get(0).get("address").textValue()).isEqualTo(RecordingHandler.IP + "/32");
    }
  }

  @Test
  void t19DnsFromTheConfigIsReturned() {
    String conf = "{\"cniVersion\":\"0.2.0\",\"name\":\"ipc-net\",\"type\":\"calyx\",\"dns\":{\"nameservers\":[\"10.0.0.53\"],\"domain\":\"mesos\",\"search\":[\"marathon.mesos\"],\"options\":[\"ndots:2\"]}}";
    CniResponse r = run(MesosEmulator.env("ADD", CONTAINER_ID, true), MesosEmulator.stdin(conf, "{\"name\":\"ipc-net\"}"));
    JsonNode dns = Json.parse(r.stdout(), "result").get("dns");
    assertThat(dns.get("nameservers").get(0).textValue()).isEqualTo("10.0.0.53");
    assertThat(dns.get("domain").textValue()).isEqualTo("mesos");
    assertThat(dns.get("search").get(0).textValue()).isEqualTo("marathon.mesos");
    assertThat(dns.get("options").get(0).textValue()).isEqualTo("ndots:2");
  }

  @Test
  void t19NoDnsGivesAnEmptyDnsObject() {
    JsonNode dns = Json.parse(add("{\"name\":\"ipc-net\"}").stdout(), "result").get("dns");
    assertThat(dns.isObject()).isTrue();
    assertThat(dns.size()).isZero();
  }

  @Test
  void t21MinimalEnvironmentIsEnough() {
    Map<String, String> env = Map.of(
        "CNI_COMMAND", "ADD", "CNI_CONTAINERID", CONTAINER_ID, "CNI_NETNS", "/proc/1/ns/net", "CNI_IFNAME", "eth0");
    assertThat(run(env, MesosEmulator.stdin(OPERATOR_CONF, "{\"name\":\"ipc-net\"}")).exitCode()).isZero();
  }

  @Test
  void t22StdoutIsExactlyOneJsonValueForAddAndEmptyForDel() {
    CniResponse added = add("{\"name\":\"ipc-net\"}");
    assertThat(added.stdoutText().strip().lines()).hasSize(1);
    Json.parse(added.stdout(), "result");
    CniResponse del = run(MesosEmulator.env("DEL", CONTAINER_ID, true), MesosEmulator.stdin(OPERATOR_CONF, "{\"name\":\"ipc-net\"}"));
    assertThat(del.exitCode()).isZero();
    assertThat(del.stdout()).isEmpty();
  }

  @Test
  void t4DelAfterRebootComesWithoutNetns() {
    CniResponse del = run(MesosEmulator.env("DEL", CONTAINER_ID, false), MesosEmulator.stdin(OPERATOR_CONF, "{\"name\":\"ipc-net\"}"));
    assertThat(del.exitCode()).isZero();
    assertThat(handler.dels.getFirst().netns()).isEmpty();
  }

  @Test
  void invalidGroupFailsAddWithCode7ButItsDelStillSucceeds() {
    String ni = "{\"groups\":[\"ok\",\"bad group\"],\"name\":\"ipc-net\"}";
    CniResponse r = add(ni);
    assertThat(r.exitCode()).isEqualTo(1);
    JsonNode err = Json.parse(r.stdout(), "error");
    assertThat(err.get("code").intValue()).isEqualTo(7);
    assertThat(err.get("msg").textValue()).contains("bad group");
    assertThat(handler.adds).isEmpty();
    CniResponse del = run(MesosEmulator.env("DEL", CONTAINER_ID, true), MesosEmulator.stdin(OPERATOR_CONF, ni));
    assertThat(del.exitCode()).isZero();
    assertThat(handler.dels).hasSize(1);
  }

  @Test
  void delWithAnInvalidConfigIsReducedToTheNetworkName() {
    String conf = "{\"cniVersion\":\"0.2.0\",\"name\":\"ipc-net\",\"type\":\"calyx\",\"mtu\":\"big\"}";
    CniResponse del = run(MesosEmulator.env("DEL", CONTAINER_ID, true), MesosEmulator.stdin(conf, "{\"name\":\"ipc-net\"}"));
    assertThat(del.exitCode()).isZero();
    assertThat(handler.dels.getFirst().conf().name().value()).isEqualTo("ipc-net");
    assertThat(del.summary()).contains("mtu");
  }

  @Test
  void staticIpRequestIsPassedOn() {
    add("{\"ip_addresses\":[{\"ip_address\":\"10.100.9.9\",\"protocol\":\"IPv4\"}],\"name\":\"ipc-net\"}");
    assertThat(onlyAdd().spec().requestedIps().getFirst().address().orElseThrow().toString()).isEqualTo("10.100.9.9");
  }
}
