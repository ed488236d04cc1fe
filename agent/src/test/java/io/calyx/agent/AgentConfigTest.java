package io.calyx.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.InvalidValueException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AgentConfigTest {
  private static AgentConfig.Raw raw(String endpoints, String node, String socket, String hostIp, String ports) {
    return new AgentConfig.Raw(endpoints, null, null, null, node, socket, hostIp, null, ports, null, null, false);
  }

  @Test
  void defaultsFollowTheContract() {
    AgentConfig c = AgentConfig.validate(raw("http://127.0.0.1:2379", null, null, null, null), "agent-1");
    assertThat(c.nodeName()).isEqualTo("agent-1");
    assertThat(c.socket()).isEqualTo(Path.of("/run/calyx/agent.sock"));
    assertThat(c.stateDir()).isEqualTo(Path.of("/var/lib/calyx/agent-1"));
    assertThat(c.hostAllowPorts()).containsExactly(5051);
    assertThat(c.mesosAgentEndpoint().toString()).isEqualTo("http://127.0.0.1:5051");
    assertThat(c.etcdTls()).isEmpty();
  }

  @Test
  void parsesEveryValue() {
    AgentConfig c = AgentConfig.validate(raw("https://10.0.0.1:2379, https://10.0.0.2:2379", "h2", "/run/h2.sock", "192.168.1.2", "5051,53,53"), "x");
    assertThat(c.etcdEndpoints()).extracting(Object::toString).containsExactly("https://10.0.0.1:2379", "https://10.0.0.2:2379");
    assertThat(c.hostIp().orElseThrow().toString()).isEqualTo("192.168.1.2");
    assertThat(c.hostAllowPorts()).containsExactly(5051, 53);
    assertThat(c.socket()).isEqualTo(Path.of("/run/h2.sock"));
  }

  private static void refused(AgentConfig.Raw raw, String flag, String fragment) {
    assertThatThrownBy(() -> AgentConfig.validate(raw, "node"))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageStartingWith(flag + ": ")
        .hasMessageContaining(fragment);
  }

  @Test
  void refusesBadValuesNamingTheFlag() {
    refused(raw(null, null, null, null, null), "--etcd-endpoints", "is required");
    refused(raw("127.0.0.1:2379", null, null, null, null), "--etcd-endpoints", "http(s)://HOST:PORT");
    refused(raw("http://127.0.0.1", null, null, null, null), "--etcd-endpoints", "http(s)://HOST:PORT");
    refused(raw("http://e:1", "bad name", null, null, null), "--nodename", "not a valid node name");
    refused(raw("http://e:1", null, "rel/agent.sock", null, null), "--socket", "absolute");
    refused(raw("http://e:1", null, "/" + "s".repeat(120), null, null), "--socket", "107 bytes");
    refused(raw("http://e:1", null, null, "host.example", null), "--host-ip", "not an IP address");
    refused(raw("http://e:1", null, null, null, "5051,x"), "--host-allow-ports", "\"x\"");
    refused(raw("http://e:1", null, null, null, "0"), "--host-allow-ports", "1-65535");
    refused(new AgentConfig.Raw("http://e:1", "/etc/hostname", null, null, null, null, null, null, null, null, null, false),
        "--etcd-cacert", "go together");
    refused(new AgentConfig.Raw("http://e:1", "/nonexistent/ca", "/etc/hostname", "/etc/hostname", null, null, null, null, null, null, null, false),
        "--etcd-cacert", "not a readable file");
  }

  private static AgentConfig.Raw reclaim(AgentConfig.RawReclaim r, String caFile, boolean insecure) {
    return new AgentConfig.Raw("http://e:1", null, null, null, "n", null, null, null, null, "https://10.0.0.5:5051", caFile, insecure, null, r);
  }

  @Test
  void reclaimDefaultsAndFlags() {
    AgentConfig.Reclaim d = AgentConfig.validate(raw("http://e:1", null, null, null, null), "n").reclaim().orElseThrow();
    assertThat(d.grace()).isEqualTo(java.time.Duration.ofMinutes(10));
    assertThat(d.interval()).isEqualTo(java.time.Duration.ofSeconds(60));
    assertThat(d.timeout()).isEqualTo(java.time.Duration.ofSeconds(5));
    assertThat(d.cniDir()).isEqualTo(Path.of("/var/run/mesos/isolators/network/cni"));
    AgentConfig.Reclaim r = AgentConfig.validate(reclaim(new AgentConfig.RawReclaim(false, "500ms", "calyx", "/etc/hostname",
        "/var/lib/mesos/isolators/network/cni", "1h", "30"), null, false), "n").reclaim().orElseThrow();
    assertThat(r.timeout()).isEqualTo(java.time.Duration.ofMillis(500));
    assertThat(r.grace()).isEqualTo(java.time.Duration.ofHours(1));
    assertThat(r.interval()).isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(r.principal()).contains("calyx");
    assertThat(AgentConfig.validate(reclaim(new AgentConfig.RawReclaim(true, null, null, null, null, null, null), null, false), "n").reclaim())
        .as("--no-reclaim").isEmpty();
  }

  @Test
  void refusesBadReclaimFlags() {
    AgentConfig.RawReclaim none = AgentConfig.RawReclaim.DEFAULTS;
    refused(reclaim(none, "/etc/hostname", true), "--mesos-insecure", "cannot be combined with --mesos-ca-file");
    refused(reclaim(new AgentConfig.RawReclaim(false, "soon", null, null, null, null, null), null, false), "--mesos-timeout", "not a duration");
    refused(reclaim(new AgentConfig.RawReclaim(false, "0s", null, null, null, null, null), null, false), "--mesos-timeout", "out of range");
    refused(reclaim(new AgentConfig.RawReclaim(false, null, "calyx", null, null, null, null), null, false), "--mesos-principal", "go together");
    refused(reclaim(new AgentConfig.RawReclaim(false, null, "a:b", "/etc/hostname", null, null, null), null, false), "--mesos-principal", "no ':'");
    refused(reclaim(new AgentConfig.RawReclaim(false, null, "calyx", "/nonexistent", null, null, null), null, false), "--mesos-secret-file", "not a readable file");
    refused(reclaim(new AgentConfig.RawReclaim(false, null, null, null, "relative/dir", null, null), null, false), "--mesos-cni-dir", "absolute");
    refused(reclaim(new AgentConfig.RawReclaim(false, null, null, null, null, "-1m", null), null, false), "--reclaim-grace", "not a duration");
    refused(reclaim(new AgentConfig.RawReclaim(false, null, null, null, null, null, "0"), null, false), "--reclaim-interval", "out of range");
  }
}
