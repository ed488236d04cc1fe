package io.calyx.cni.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.calyx.cni.request.Role;
import io.calyx.cni.spec.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs the real native forwarder (bin/calyx, bin/calyx-ipam) against a scripted agent socket. */
class ForwarderTest {
  private static final String MUTATIONS = "{}[]\",:\\u0 ax\u0001";
  static final Path BINARY = Path.of(System.getProperty("calyx.forwarder", "target/native/calyx"));

  /** A short directory of its own per test (see {@link #shortTempDir}), removed after it. */
  Path dir;

  /** The outcome of one forwarder run. */
  record Run(int exit, String stdout, String stderr, Duration took) {
    JsonNode json() {
      return Json.parse(stdout.getBytes(StandardCharsets.UTF_8), "stdout");
    }
  }

  @BeforeEach
  void shortTempDir() throws IOException {
    // sun_path is 108 bytes: keep socket paths short whatever the JUnit temp dir is.
    dir = Files.createTempDirectory(Path.of("/tmp"), "cfw");
  }

  @org.junit.jupiter.api.AfterEach
  void removeTempDir() throws IOException {
    // Not a @TempDir: JUnit would clean up the directory it made, not this replacement (11 were left per run).
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  static Run run(Path binary, Map<String, String> env, byte[] stdin) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("env", "-i"));
    env.forEach((k, v) -> cmd.add(k + "=" + v));
    cmd.add(binary.toAbsolutePath().toString());
    long start = System.nanoTime();
    Process p = new ProcessBuilder(cmd).directory(Path.of("/").toFile()).start();
    var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    });
    var writer = Thread.ofVirtual().start(() -> {
      try (var in = p.getOutputStream()) {
        in.write(stdin);
      } catch (IOException e) {
        // the forwarder stopped reading (oversized stdin): expected in one test
      }
    });
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("forwarder finished").isTrue();
    writer.join();
    return new Run(p.exitValue(), out, err.join(), Duration.ofNanos(System.nanoTime() - start));
  }

  static Map<String, String> addEnv() {
    return Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c1", "CNI_NETNS", "/var/run/netns/x", "CNI_IFNAME", "eth0",
        "PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "HOME", "/root", "FOO", "bar");
  }

  static byte[] conf(Path socket, String extra) {
    return ("{\"cniVersion\":\"0.3.1\",\"name\":\"n\",\"type\":\"calyx\",\"agent_socket\":\"" + socket + "\"" + extra + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static void assertOneCniError(Run r, int code) {
    assertThat(r.exit()).as(r.stdout()).isEqualTo(1);
    assertThat(r.stdout().strip().lines()).hasSize(1);
    JsonNode e = r.json();
    assertThat(e.get("code").intValue()).as(r.stdout()).isEqualTo(code);
    assertThat(e.get("msg").textValue()).isNotBlank();
  }

  @Test
  void answersVersionItselfWithTheAgentDown() throws Exception {
    Run r = run(BINARY, Map.of("CNI_COMMAND", "VERSION"), new byte[0]);
    assertThat(r.exit()).isZero();
    assertThat(r.json().get("supportedVersions")).extracting(JsonNode::textValue)
        .containsExactly("0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");
    assertThat(r.stderr()).isEmpty();
  }

  @Test
  void agentDownIsCode11NamingTheSocket() throws Exception {
    Run r = run(BINARY, addEnv(), conf(dir.resolve("absent.sock"), ""));
    assertOneCniError(r, 11);
    assertThat(r.json().get("msg").textValue()).contains(dir.resolve("absent.sock").toString());
    assertThat(r.json().get("details").textValue()).contains("calyx-agent");
    assertThat(r.json().get("cniVersion").textValue()).isEqualTo("0.3.1");
  }

  @Test
  void staleSocketFileIsCode11() throws Exception {
    Path stale = dir.resolve("stale.sock");
    try (var s = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      s.bind(java.net.UnixDomainSocketAddress.of(stale));
    }
    assertOneCniError(run(BINARY, addEnv(), conf(stale, "")), 11);
  }

  @Test
  void forwardsOneFrameAndRelaysTheAnswer() throws Exception {
    try (ScriptedAgent agent = new ScriptedAgent(dir, ScriptedAgent.replying(3, "{\"cniVersion\":\"0.3.1\"}\n", "note\n"))) {
      byte[] stdin = conf(agent.socket, ",\"timeout_seconds\":7");
      Run r = run(BINARY, addEnv(), stdin);
      assertThat(r.exit()).isEqualTo(3);
      assertThat(r.stdout()).isEqualTo("{\"cniVersion\":\"0.3.1\"}\n");
      assertThat(r.stderr()).isEqualTo("note\n");
      var req = agent.requests.getFirst();
      assertThat(req.role()).isEqualTo(Role.PLUGIN);
      assertThat(req.stdin()).isEqualTo(stdin);
      assertThat(req.env()).containsOnlyKeys("CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME");
      assertThat(req.budgetMillis()).as("7 s less a tenth").isEqualTo(6300);
    }
  }

  /** The agent's budget keeps a tenth of the timeout for the answer's way back: at least 250 ms, at most 1 s. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({"1, 750", "2, 1750", "5, 4500", "30, 29000", "600, 599000"})
  void theAgentsBudgetLeavesATenthOfTheTimeoutBetween250MsAnd1s(int timeoutSeconds, int budgetMillis) throws Exception {
    try (ScriptedAgent agent = new ScriptedAgent(dir, ScriptedAgent.replying(0, "{}\n", ""))) {
      run(BINARY, addEnv(), conf(agent.socket, ",\"timeout_seconds\":" + timeoutSeconds));
      assertThat(agent.requests.getFirst().budgetMillis()).isEqualTo(budgetMillis);
    }
  }

  @Test
  void ipamRoleFromItsNameAndSocketFromTheIpamSection() throws Exception {
    Path ipam = dir.resolve("calyx-ipam");
    Files.copy(BINARY, ipam);
    try (ScriptedAgent agent = new ScriptedAgent(dir, ScriptedAgent.replying(0, "{}\n", ""))) {
      String escaped = agent.socket.toString().replace("/", "\\/");
      byte[] stdin = ("{\"name\":\"n\",\"type\":\"bridge\",\"ipam\":{\"type\":\"calyx-ipam\",\"agent_socket\":\"" + escaped + "\"}}")
          .getBytes(StandardCharsets.UTF_8);
      Run r = run(ipam, addEnv(), stdin);
      assertThat(r.exit()).as(r.stdout()).isZero();
      assertThat(agent.requests.getFirst().role()).isEqualTo(Role.IPAM);
    }
  }

  @Test
  void slowAgentIsCode11WithinTheTimeout() throws Exception {
    try (ScriptedAgent agent = new ScriptedAgent(dir, (r, ch) -> Thread.sleep(10_000))) {
      Run r = run(BINARY, addEnv(), conf(agent.socket, ",\"timeout_seconds\":1"));
      assertOneCniError(r, 11);
      assertThat(r.json().get("msg").textValue()).contains("did not answer within 1 s");
      assertThat(r.took()).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void hangUpIsCode11() throws Exception {
    try (ScriptedAgent agent = new ScriptedAgent(dir, (r, ch) -> ch.close())) {
      Run r = run(BINARY, addEnv(), conf(agent.socket, ""));
      assertOneCniError(r, 11);
      assertThat(r.json().get("msg").textValue()).contains("closed the connection");
    }
  }

  @Test
  void garbageReplyIsCode999() throws Exception {
    try (ScriptedAgent agent = new ScriptedAgent(dir, (r, ch) -> ch.write(ByteBuffer.wrap("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.UTF_8))))) {
      Run r = run(BINARY, addEnv(), conf(agent.socket, ""));
      assertOneCniError(r, 999);
      assertThat(r.json().get("msg").textValue()).contains("invalid reply");
    }
  }

  @Test
  void oversizedReplyIsRefused() throws Exception {
    try (ScriptedAgent agent = new ScriptedAgent(dir, (r, ch) -> {
      ByteBuffer b = ByteBuffer.allocate(12);
      b.putInt(0x434C5831).putInt(0).putInt(Integer.MAX_VALUE).flip();
      ch.write(b);
    })) {
      assertOneCniError(run(BINARY, addEnv(), conf(agent.socket, "")), 999);
    }
  }

  @Test
  void hugeStdinIsRefusedWithoutContactingTheAgent() throws Exception {
    try (ScriptedAgent agent = new ScriptedAgent(dir, ScriptedAgent.replying(0, "{}\n", ""))) {
      byte[] big = new byte[10 * 1024 * 1024];
      java.util.Arrays.fill(big, (byte) ' ');
      byte[] c = conf(agent.socket, "");
      System.arraycopy(c, 0, big, 0, c.length);
      Run r = run(BINARY, addEnv(), big);
      assertOneCniError(r, 7);
      assertThat(r.json().get("msg").textValue()).contains("larger than");
      assertThat(agent.requests).isEmpty();
    }
  }

  @Test
  void hostileConfigsNeverCrashOrPrintMoreThanOneJson() throws Exception {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    try (ScriptedAgent agent = new ScriptedAgent(dir, ScriptedAgent.replying(0, "{\"ok\":true}\n", ""))) {
      String base = new String(conf(agent.socket, ",\"ipam\":{\"type\":\"calyx-ipam\",\"agent_socket\":\"" + agent.socket + "\"},\"timeout_seconds\":2"), StandardCharsets.UTF_8);
      List<byte[]> inputs = new ArrayList<>();
      inputs.add("[".repeat(100_000).getBytes(StandardCharsets.UTF_8));
      inputs.add(("{\"a\":" + "{\"b\":".repeat(50_000)).getBytes(StandardCharsets.UTF_8));
      inputs.add("{\"agent_socket\":\"unterminated".getBytes(StandardCharsets.UTF_8));
      inputs.add("{\"agent_socket\":\"\\u0000/x\",\"timeout_seconds\":1e999}".getBytes(StandardCharsets.UTF_8));
      inputs.add(("{\"agent_socket\":\"/" + "a".repeat(5000) + "\"}").getBytes(StandardCharsets.UTF_8));
      inputs.add("{\"timeout_seconds\":-5,\"cniVersion\":\"\\\"}\"}".getBytes(StandardCharsets.UTF_8));
      inputs.add(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2});
      for (int i = 0; i < 40; i++) {
        byte[] b = base.getBytes(StandardCharsets.UTF_8);
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
          b[random.nextInt(b.length)] = (byte) MUTATIONS.charAt(random.nextInt(MUTATIONS.length()));
        }
        inputs.add(b);
      }
      for (byte[] input : inputs) {
        Run r = run(BINARY, addEnv(), input);
        assertThat(r.exit()).as("seed %d input %s", seed, new String(input, 0, Math.min(200, input.length), StandardCharsets.UTF_8)).isIn(0, 1);
        assertThat(r.stdout().strip().lines()).as("seed %d: %s", seed, r.stdout()).hasSize(1);
        r.json();
        assertThat(r.took()).as("seed %d", seed).isLessThan(Duration.ofSeconds(10));
      }
    }
  }
}
