package io.calyx.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentMainTest {
  private static String[] result(String... args) {
    StringWriter err = new StringWriter();
    int code = AgentMain.run(args, new PrintWriter(err, true));
    return new String[] {String.valueOf(code), err.toString()};
  }

  @Test
  void unknownFlagExits1WithAHint() {
    String[] r = result("--etcd-endpoints", "http://127.0.0.1:2379", "--frobnicate");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1].lines()).containsExactly("calyx-agent: Unknown option: '--frobnicate'", "Try 'calyx-agent --help'.");
  }

  @Test
  void invalidValueExits1WithOneLine() {
    String[] r = result("--etcd-endpoints", "http://127.0.0.1:2379", "--host-ip", "nope");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1].lines()).containsExactly("calyx-agent: --host-ip: \"nope\" is not an IP address");
  }

  @Test
  void missingEtcdEndpointsExits1() {
    String[] r = result("--nodename", "n1");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1]).startsWith("calyx-agent: --etcd-endpoints: is required");
  }

  @Test
  void unusableSocketDirectoryExits1(@TempDir Path temp) {
    // The state directory is created before the socket path fails the start: a temporary one, so none is left.
    String[] r = result("--etcd-endpoints", "http://127.0.0.1:2379", "--socket", "/proc/calyx/agent.sock", "--state-dir",
        temp.resolve("state").toString());
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1].lines()).hasSize(1);
    assertThat(r[1]).startsWith("calyx-agent: ");
  }
}
