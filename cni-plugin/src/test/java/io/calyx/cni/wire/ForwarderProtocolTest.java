package io.calyx.cni.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.cni.request.Role;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForwarderProtocolTest {
  @Test
  void requestRoundTrips() throws Exception {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CNI_COMMAND", "ADD");
    env.put("CNI_ARGS", "A=1;B=x=y");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ForwarderProtocol.writeRequest(out, new ForwarderProtocol.Request(Role.IPAM, 29750, env, "{}".getBytes(StandardCharsets.UTF_8)));
    ForwarderProtocol.Request back = ForwarderProtocol.readRequest(new ByteArrayInputStream(out.toByteArray()));
    assertThat(back.role()).isEqualTo(Role.IPAM);
    assertThat(back.budgetMillis()).isEqualTo(29750);
    assertThat(back.env()).isEqualTo(env);
    assertThat(new String(back.stdin(), StandardCharsets.UTF_8)).isEqualTo("{}");
  }

  @Test
  void replyRoundTripsAndCutsOversizedStderr() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] err = new byte[ForwarderProtocol.MAX_STDERR + 10];
    ForwarderProtocol.writeReply(out, new ForwarderProtocol.Reply(1, "{\"code\":7}".getBytes(StandardCharsets.UTF_8), err));
    ForwarderProtocol.Reply back = ForwarderProtocol.readReply(new ByteArrayInputStream(out.toByteArray()));
    assertThat(back.exitCode()).isEqualTo(1);
    assertThat(new String(back.stdout(), StandardCharsets.UTF_8)).isEqualTo("{\"code\":7}");
    assertThat(back.stderr()).hasSize(ForwarderProtocol.MAX_STDERR);
  }

  @Test
  void refusesWrongMagicOversizeAndTruncation() throws Exception {
    assertThatThrownBy(() -> ForwarderProtocol.readRequest(new ByteArrayInputStream("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(ForwarderProtocol.ProtocolException.class).hasMessageContaining("bad magic");
    ByteArrayOutputStream big = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(big);
    d.writeInt(ForwarderProtocol.MAGIC);
    d.writeByte(0);
    d.writeInt(1000);
    d.writeInt(0);
    d.writeInt(ForwarderProtocol.MAX_STDIN + 1);
    assertThatThrownBy(() -> ForwarderProtocol.readRequest(new ByteArrayInputStream(big.toByteArray())))
        .isInstanceOf(ForwarderProtocol.ProtocolException.class).hasMessageContaining("exceeds");
    assertThatThrownBy(() -> ForwarderProtocol.readRequest(new ByteArrayInputStream(new byte[0])))
        .isInstanceOf(ForwarderProtocol.ProtocolException.class);
    byte[] truncated = java.util.Arrays.copyOf(big.toByteArray(), 7);
    assertThatThrownBy(() -> ForwarderProtocol.readRequest(new ByteArrayInputStream(truncated))).isInstanceOf(java.io.IOException.class);
  }

  @Test
  void envDecodingSkipsEntriesWithoutAKey() {
    byte[] raw = "CNI_A=1\0=x\0junk\0CNI_B=\0".getBytes(StandardCharsets.UTF_8);
    assertThat(ForwarderProtocol.decodeEnv(raw)).containsExactly(Map.entry("CNI_A", "1"), Map.entry("CNI_B", ""));
  }
}
