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
    AgentConfig c = AgentConfig.validate(raw("http://10.0.0.1:2379, https://10.0.0.2:2379", "h2", "/run/h2.sock", "192.168.1.2", "5051,53,53"), "x");
    assertThat(c.etcdEndpoints()).extracting(Object::toString).containsExactly("http://10.0.0.1:2379", "https://10.0.0.2:2379");
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
}
