package io.calyx.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.testkit.Host;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real forwarder binary against a real agent on a real unix socket. */
class AgentEndToEndTest {
  private Path dir;
  private Agent agent;

  @BeforeEach
  void start() throws IOException {
    dir = Files.createTempDirectory(Path.of("/tmp"), "cag");
    agent = Agent.start(config(dir.resolve("agent.sock")));
  }

  private AgentConfig config(Path socket) {
    // No etcd listens there: these tests cover what the agent does without its datastore.
    return AgentConfig.validate(new AgentConfig.Raw("http://127.0.0.1:1", null, null, null, "test-node", socket.toString(),
        null, dir.resolve("state").toString(), null, null, null, false), "x");
  }

  @AfterEach
  void stop() throws IOException {
    if (agent != null) {
      agent.close();
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private String conf(String version, String extra) {
    return "{\"cniVersion\":\"" + version + "\",\"name\":\"ipc-net\",\"type\":\"calyx\",\"timeout_seconds\":2,\"agent_socket\":\""
        + agent.config().socket() + "\"" + extra + "}";
  }

  private static Map<String, String> env(String command) {
    return Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", "3f9c1a52-7d0e-4a8b-9c55-2b1e6f0d4a77",
        "CNI_NETNS", "/var/run/netns/none", "CNI_IFNAME", "eth0", "CNI_PATH", "/opt/cni/bin", "PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
  }

  @Test
  void socketIsOwnerOnlyAndStateDirPrivate() throws IOException {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(agent.config().socket()))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state")))).isEqualTo("rwx------");
    // Bound under another name and renamed once listening: nothing of that is left next to the socket.
    Path socket = agent.config().socket();
    assertThat(socket.resolveSibling(socket.getFileName() + ".new")).doesNotExist();
  }

  @Test
  void statusSaysTheDatastoreIsUnreachable() throws Exception {
    ForwarderRun r = ForwarderRun.run(Map.of("CNI_COMMAND", "STATUS"), conf("1.1.0", ""));
    assertThat(r.error(50).get("msg").textValue()).isEqualTo("the datastore is unreachable");
    assertThat(r.took()).isLessThan(Duration.ofSeconds(4));
  }

  @Test
  void addWithoutEtcdIsCode11InTimeAndDelStillSucceeds() throws Exception {
    Path ipamBinary = dir.resolve("calyx-ipam");
    Files.copy(ForwarderRun.BINARY, ipamBinary);
    String ipamConf = "{\"cniVersion\":\"0.4.0\",\"name\":\"ipc-net\",\"type\":\"bridge\",\"timeout_seconds\":2,"
        + "\"ipam\":{\"type\":\"calyx-ipam\",\"agent_socket\":\"" + agent.config().socket() + "\"}}";
    ForwarderRun add = ForwarderRun.run(List.of(), ipamBinary, env("ADD"), ipamConf);
    assertThat(add.error(11).get("msg").textValue()).contains("unavailable");
    assertThat(add.took()).isLessThan(Duration.ofSeconds(4));
    ForwarderRun plugin = ForwarderRun.run(env("ADD"), conf("0.2.0", ""));
    assertThat(plugin.error(999).get("msg").textValue()).contains("open /var/run/netns/none: No such file or directory");
    assertThat(plugin.took()).isLessThan(Duration.ofSeconds(4));
    ForwarderRun del = ForwarderRun.run(env("DEL"), conf("0.2.0", ""));
    assertThat(del.exit()).as(del.stdout()).isZero();
    assertThat(del.stdout()).isEmpty();
    assertThat(Files.list(dir.resolve("state/pending-releases")).map(p -> p.getFileName().toString()).toList())
        .as("the release waits in the journal").containsExactly("ipc-net:3f9c1a52-7d0e-4a8b-9c55-2b1e6f0d4a77:eth0");
  }

  @Test
  void malformedConfigsGetCodes6And7() throws Exception {
    String socket = agent.config().socket().toString();
    ForwarderRun notJson = ForwarderRun.run(env("ADD"), "{\"agent_socket\":\"" + socket + "\",");
    assertThat(notJson.exit()).isEqualTo(1);
    // The forwarder cannot read the socket from broken JSON: it reports the agent at the default path
    // unless that exists, so only the shape of the answer is asserted here.
    assertThat(notJson.json().get("code").intValue()).isIn(6, 11);
    ForwarderRun noType = ForwarderRun.run(env("ADD"), "{\"name\":\"n\",\"agent_socket\":\"" + socket + "\"}");
    assertThat(noType.error(7).get("msg").textValue()).isEqualTo("type is required");
    ForwarderRun syntax = ForwarderRun.run(env("ADD"), "{\"name\":\"n\",\"agent_socket\":\"" + socket + "\",\"type\":\"calyx\",\"mtu\":1e3}");
    assertThat(syntax.error(7).get("msg").textValue()).contains("mtu");
  }

  @Test
  void environmentErrorsAreCode4() throws Exception {
    ForwarderRun r = ForwarderRun.run(Map.of("CNI_COMMAND", "ADD"), conf("1.0.0", ""));
    assertThat(r.error(4).get("msg").textValue()).isEqualTo("required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing");
  }

  @Test
  void versionWorksWithAndWithoutTheAgent() throws Exception {
    assertThat(ForwarderRun.run(Map.of("CNI_COMMAND", "VERSION"), "").json().get("supportedVersions")).hasSize(7);
    agent.close();
    agent = null;
    assertThat(ForwarderRun.run(Map.of("CNI_COMMAND", "VERSION"), "").json().get("supportedVersions")).hasSize(7);
  }

  @Test
  void closingRemovesTheSocketAndAddThenGetsCode11() throws Exception {
    String conf = conf("0.2.0", ",\"timeout_seconds\":3");
    agent.close();
    agent = null;
    assertThat(dir.resolve("agent.sock")).doesNotExist();
    ForwarderRun r = ForwarderRun.run(env("ADD"), conf);
    assertThat(r.error(11).get("msg").textValue()).contains("not reachable");
    assertThat(r.took()).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void aSecondAgentOnTheSameSocketIsRefusedButAStaleSocketIsReplaced() throws Exception {
    assertThatThrownBy(() -> Agent.start(config(agent.config().socket())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("another calyx-agent is already serving");
    Path stale = dir.resolve("stale.sock");
    try (var s = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      s.bind(java.net.UnixDomainSocketAddress.of(stale));
    }
    assertThat(stale).exists();
    try (Agent second = Agent.start(config(stale))) {
      String conf = "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"agent_socket\":\"" + stale + "\"}";
      ForwarderRun.run(Map.of("CNI_COMMAND", "STATUS"), conf).error(7);
    }
  }

  @Test
  void servesManyConcurrentCalls() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<ForwarderRun>> runs = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String id = "c" + i;
        // An invalid configuration: answered by the agent alone, without the datastore.
        Callable<ForwarderRun> call = () -> ForwarderRun.run(
            Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", id, "CNI_NETNS", "/x", "CNI_IFNAME", "eth0"),
            "{\"name\":\"n\",\"agent_socket\":\"" + agent.config().socket() + "\"}");
        runs.add(pool.submit(call));
      }
      for (Future<ForwarderRun> f : runs) {
        assertThat(f.get().error(7).get("msg").textValue()).isEqualTo("type is required");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void refusesPeersThatAreNotRoot() throws Exception {
    Assumptions.assumeTrue(Host.isRoot(), "needs root: runs the forwarder as user nobody");
    Assumptions.assumeTrue(Host.which("setpriv").isPresent(), "needs setpriv (util-linux)");
    Path socket = agent.config().socket();
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path binary = dir.resolve("calyx");
    Files.copy(ForwarderRun.BINARY, binary);
    Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> asNobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    // With the socket at 0600, the kernel already keeps other users out.
    ForwarderRun blocked = ForwarderRun.run(asNobody, binary, env("ADD"), conf("0.2.0", ""));
    assertThat(blocked.error(11).get("details").textValue()).contains("Permission denied");
    // Opened up by mistake, SO_PEERCRED still refuses them.
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
    ForwarderRun refused = ForwarderRun.run(asNobody, binary, env("ADD"), conf("0.2.0", ""));
    assertThat(refused.error(100).get("msg").textValue()).contains("not user nobody");
  }
}
