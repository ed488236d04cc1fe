package io.calyx.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import io.calyx.testkit.Commands;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import io.calyx.testkit.Netns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the assembled tree exactly as operators and Mesos do: every executable under {@code env -i} from
 * {@code /}, through symlinks, with the agent started by its launcher and stopped with SIGTERM.
 */
@ExtendWith(EtcdExtension.class)
class InstallTreeIT {
  static final Path TREE = Path.of(System.getProperty("calyx.tree", "target/calyx")).toAbsolutePath();
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PATH = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

  record Run(int exit, String stdout, String stderr, Duration took) {
    JsonNode json() throws IOException {
      assertThat(stdout.strip().lines()).as(stdout).hasSize(1);
      return JSON.readTree(stdout);
    }
  }

  private Path work;
  private Process agent;
  private final List<AutoCloseable> cleanups = new ArrayList<>();

  @BeforeEach
  void workDir() throws IOException {
    work = Files.createTempDirectory(Path.of("/tmp"), "cit");
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (AutoCloseable c : cleanups) {
      c.close();
    }
    try (var files = Files.walk(work)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /**
   * Whether {@code link} is gone from {@code ns} within 5 s: DEL answers once the container is cut off,
   * and the agent removes the veth right after.
   */
  static boolean linkGone(Netns ns, String link) throws InterruptedException {
    long until = System.nanoTime() + 5_000_000_000L;
    while (ns.exec("ip", "link", "show", link).exitCode() == 0 && System.nanoTime() < until) {
      Thread.sleep(50);
    }
    return ns.exec("ip", "link", "show", link).exitCode() != 0;
  }

  static Run run(List<String> env, Path executable, String stdin, String... args) {
    List<String> cmd = new ArrayList<>(List.of("env", "-i"));
    cmd.addAll(env);
    cmd.add(executable.toString());
    cmd.addAll(List.of(args));
    Commands.Timed t = Commands.runWithStdin(cmd, stdin.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(120));
    return new Run(t.exitCode(), t.stdout(), t.stderr(), t.took());
  }

  private Path startAgent(String etcd, String... extra) throws Exception {
    TreeAgent started = TreeAgent.start(TREE, etcd, "it-node", work, extra);
    cleanups.add(started);
    agent = started.process();
    return started.socket();
  }

  private static List<String> cni(String command) {
    return List.of("CNI_COMMAND=" + command, "CNI_CONTAINERID=3f9c1a52-7d0e-4a8b-9c55-2b1e6f0d4a77",
        "CNI_NETNS=/var/run/mesos/isolators/network/cni/3f9c1a52/ns", "CNI_IFNAME=eth0", "CNI_PATH=/opt/cni/bin", PATH);
  }

  @Test
  void treeHasWhatTheContractNames() {
    for (String exe : List.of("bin/calyx", "bin/calyx-ipam", "bin/calyx-agent", "bin/calyxctl", "runtime/bin/java")) {
      assertThat(Files.isExecutable(TREE.resolve(exe))).as(exe).isTrue();
    }
    assertThat(TREE.resolve("lib/calyx-agent.aot")).isNotEmptyFile();
    assertThat(TREE.resolve("lib/calyxctl.aot")).isNotEmptyFile();
    assertThat(TREE.resolve("share/bash-completion/completions/calyxctl")).content()
        .contains("complete -F _complete_calyxctl").contains("profile").contains("--etcd-cacert");
  }

  /**
   * The launchers run {@code java -jar lib/<launcher>.jar}, whose manifest class path names the other jars:
   * a name the build writes differently from the copied file (a classified jar, say) would be missing at
   * run time without an error until a class of it is needed.
   */
  @Test
  void theLaunchersClassPathsNameExactlyTheJarsInLib() throws IOException {
    List<String> launchers = List.of("io.calyx.calyx-agent.jar", "io.calyx.calyx-cli.jar");
    java.util.Set<String> named = new java.util.TreeSet<>();
    for (String launcher : launchers) {
      try (java.util.jar.JarFile jar = new java.util.jar.JarFile(TREE.resolve("lib").resolve(launcher).toFile())) {
        String classPath = jar.getManifest().getMainAttributes().getValue("Class-Path");
        assertThat(classPath).as(launcher).isNotBlank();
        for (String entry : classPath.trim().split("\\s+")) {
          assertThat(TREE.resolve("lib").resolve(entry)).as("%s names %s", launcher, entry).isRegularFile();
          named.add(entry);
        }
      }
    }
    try (java.util.stream.Stream<Path> jars = Files.list(TREE.resolve("lib"))) {
      assertThat(jars.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).filter(n -> !launchers.contains(n)))
          .as("jars in lib/ that no launcher loads").allSatisfy(n -> assertThat(named).contains(n));
    }
  }

  @Test
  void pluginsAnswerVersionWithNoAgentAndAnEmptyEnvironment() throws Exception {
    for (String plugin : List.of("calyx", "calyx-ipam")) {
      Run r = run(List.of("CNI_COMMAND=VERSION"), TREE.resolve("bin").resolve(plugin), "");
      assertThat(r.exit()).isZero();
      assertThat(r.json().get("supportedVersions")).hasSize(7);
      assertThat(r.stderr()).isEmpty();
    }
  }

  @Test
  void addWithTheAgentDownIsCode11WithinTheTimeout() throws Exception {
    String conf = "{\"cniVersion\":\"0.2.0\",\"name\":\"n\",\"type\":\"calyx\",\"timeout_seconds\":5,\"agent_socket\":\"" + work.resolve("none.sock") + "\"}";
    Run r = run(cni("ADD"), TREE.resolve("bin/calyx"), conf);
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.json().get("code").intValue()).isEqualTo(11);
    assertThat(r.took()).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void agentServesThePluginsThroughSymlinksAndStopsCleanly(Etcd etcd) throws Exception {
    Run pool = run(List.of(), TREE.resolve("bin/calyxctl"), "", "--etcd-endpoints", etcd.endpoint(), "pool", "add", "10.91.0.0/16");
    assertThat(pool.exit()).as(pool.stderr()).isZero();
    // As root, the agent's routes (a blackhole for its block) go into a scratch namespace, not the machine's.
    io.calyx.testkit.NetnsExtension.NetnsFactory scratch = new io.calyx.testkit.NetnsExtension.NetnsFactory();
    Path socket = io.calyx.testkit.Host.isRoot()
        ? startAgent(etcd.endpoint(), "--dataplane-netns", scratch.create().path().toString())
        : startAgent(etcd.endpoint());
    cleanups.add(scratch);
    Path pluginDir = Files.createDirectories(work.resolve("mesos-cni-plugins"));
    Files.createSymbolicLink(pluginDir.resolve("calyx"), TREE.resolve("bin/calyx"));
    Files.createSymbolicLink(pluginDir.resolve("calyx-ipam"), TREE.resolve("bin/calyx-ipam"));
    String conf = "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"calyx\",\"agent_socket\":\"" + socket + "\"}";

    Run status = run(List.of("CNI_COMMAND=STATUS", PATH), pluginDir.resolve("calyx"), conf);
    assertThat(status.exit()).as("ready: etcd reachable, an enabled IPv4 pool: " + status.stdout()).isZero();
    assertThat(status.stdout()).isEmpty();

    Run malformed = run(cni("ADD"), pluginDir.resolve("calyx"), "{\"name\":\"n\",\"agent_socket\":\"" + socket + "\"}");
    assertThat(malformed.json().get("code").intValue()).isEqualTo(7);

    String ipamConf = "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"bridge\",\"ipam\":{\"type\":\"calyx-ipam\",\"agent_socket\":\"" + socket + "\",\"pools\":[\"10.91.0.0/16\"]}}";
    Run add = run(cni("ADD"), pluginDir.resolve("calyx-ipam"), ipamConf);
    assertThat(add.exit()).as(add.stdout()).isZero();
    String address = add.json().get("ips").get(0).get("address").textValue();
    assertThat(address).startsWith("10.91.");
    Run show = run(List.of(), TREE.resolve("bin/calyxctl"), "", "--etcd-endpoints", etcd.endpoint(), "ipam", "show", "--ip",
        address.substring(0, address.indexOf('/')));
    assertThat(show.stdout()).contains("is allocated to container 3f9c1a52-7d0e-4a8b-9c55-2b1e6f0d4a77 (network n, interface eth0) on node it-node");
    Run del = run(cni("DEL"), pluginDir.resolve("calyx-ipam"), ipamConf);
    assertThat(del.exit()).as(del.stdout()).isZero();
    assertThat(del.stdout()).isEmpty();

    agent.toHandle().destroy(); // SIGTERM
    assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(socket).doesNotExist();
    String log = Files.readString(work.resolve("agent.log"));
    assertThat(log).contains("serving on " + socket).contains("calyx-ipam ADD container=3f9c1a52").contains("calyx-ipam DEL container=3f9c1a52")
        .contains("stopping");
    assertThat(log).doesNotContain("Exception");
  }

  @Test
  void agentRefusesBadFlagsWithExit1AndOneLine() throws Exception {
    Run r = run(List.of(PATH), TREE.resolve("bin/calyx-agent"), "", "--etcd-endpoints", "not-a-url");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.stderr().lines()).containsExactly("calyx-agent: --etcd-endpoints: \"not-a-url\" is not an http(s)://HOST:PORT URL");
  }

  @Test
  void calyxctlRunsWithoutJavaHomeAndKeepsStreamsClean() throws Exception {
    Path link = work.resolve("calyxctl");
    Files.createSymbolicLink(link, TREE.resolve("bin/calyxctl"));
    Run json = run(List.of(), link, "", "version", "-o", "json");
    assertThat(json.exit()).isZero();
    assertThat(json.json().get("version").textValue()).isNotBlank();
    assertThat(json.stderr()).isEmpty();
    Run usage = run(List.of(), link, "");
    assertThat(usage.exit()).isEqualTo(2);
    assertThat(usage.stderr().lines()).hasSize(1);
    assertThat(usage.stdout()).isEmpty();
  }

  @Test
  void aotCachesAreUsed() throws Exception {
    Run cli = run(List.of("CALYX_JAVA_OPTS=-Xlog:aot=info:stderr"), TREE.resolve("bin/calyxctl"), "", "version");
    assertThat(cli.stderr()).contains("Opened AOT cache " + TREE.resolve("lib/calyxctl.aot"));
    assertThat(cli.stderr()).doesNotContainIgnoringCase("mismatch").doesNotContain("disabled");
    Run agentHelp = run(List.of("CALYX_JAVA_OPTS=-Xlog:aot=info:stderr"), TREE.resolve("bin/calyx-agent"), "", "--help");
    assertThat(agentHelp.stderr()).contains("Opened AOT cache " + TREE.resolve("lib/calyx-agent.aot"));
  }

  /** {@code ipam bench} runs the agent's allocator, so it compiles like the agent; other commands do not. */
  @Test
  void ipamBenchCompilesLikeTheAgent() throws Exception {
    List<String> flags = List.of("CALYX_JAVA_OPTS=-XX:+PrintFlagsFinal");
    assertThat(compileThresholdScaling(run(flags, TREE.resolve("bin/calyxctl"), "", "--etcd-endpoints", "http://127.0.0.1:1", "ipam", "bench", "--help")))
        .isEqualTo(compileThresholdScaling(run(flags, TREE.resolve("bin/calyx-agent"), "", "--help"))).isEqualTo("0.050000");
    assertThat(compileThresholdScaling(run(flags, TREE.resolve("bin/calyxctl"), "", "ipam", "show", "--help"))).isEqualTo("1.000000");
    assertThat(compileThresholdScaling(run(flags, TREE.resolve("bin/calyxctl"), "", "pool", "--help"))).isEqualTo("1.000000");
  }

  private static String compileThresholdScaling(Run r) {
    return r.stdout().lines().filter(l -> l.contains(" CompileThresholdScaling ")).map(l -> l.trim().split("\\s+")[3]).findFirst()
        .orElseThrow(() -> new AssertionError("no CompileThresholdScaling in " + r.stdout().lines().limit(3).toList()));
  }

  @Test
  void treeWorksAfterBeingCopiedElsewhere() throws Exception {
    Path copy = work.resolve("opt-calyx");
    assertThat(new ProcessBuilder("cp", "-a", TREE.toString(), copy.toString()).start().waitFor()).isZero();
    assertThat(run(List.of(), copy.resolve("bin/calyxctl"), "", "version").exit()).isZero();
    assertThat(run(List.of("CNI_COMMAND=VERSION"), copy.resolve("bin/calyx"), "").exit()).isZero();
    Run agentHelp = run(List.of(), copy.resolve("bin/calyx-agent"), "", "--version");
    assertThat(agentHelp.exit()).isZero();
    assertThat(agentHelp.stdout()).startsWith("calyx-agent ");
    assertThat(agentHelp.stderr()).isEmpty();
  }

  @Test
  void calyxctlInstallLinksItsOwnTreeAndUninstallRemovesIt() throws Exception {
    Path plugins = Files.createDirectories(work.resolve("usr/libexec/cni"));
    Path config = work.resolve("etc/calyx/cni");
    Path systemd = Files.createDirectories(work.resolve("etc/systemd/system"));
    Path manifest = work.resolve("var/lib/calyx/install.json");
    Run install = run(List.of(), TREE.resolve("bin/calyxctl"), "", "--etcd-endpoints", "http://10.0.0.10:2379", "install",
        "--plugins-dir", plugins.toString(), "--cni-config-dir", config.toString(), "--systemd-dir", systemd.toString(),
        "--manifest", manifest.toString(), "--pool", "10.244.0.0/16");
    assertThat(install.exit()).as(install.stderr()).isZero();
    assertThat(Files.readSymbolicLink(plugins.resolve("calyx"))).isEqualTo(TREE.resolve("bin/calyx"));
    Run version = run(List.of("CNI_COMMAND=VERSION"), plugins.resolve("calyx-ipam"), "");
    assertThat(version.exit()).isZero();
    assertThat(Files.readString(systemd.resolve("calyx-agent.service"))).contains("ExecStart=" + TREE.resolve("bin/calyx-agent") + " ");
    assertThat(MesosConfigDirIT.load(config, List.of(plugins))).containsOnlyKeys("calyx");
    assertThat(install.stdout()).contains("--network_cni_plugins_dir=" + plugins);

    Run uninstall = run(List.of(), TREE.resolve("bin/calyxctl"), "", "uninstall", "--manifest", manifest.toString());
    assertThat(uninstall.exit()).as(uninstall.stderr()).isZero();
    assertThat(plugins).isEmptyDirectory();
    assertThat(systemd).isEmptyDirectory();
    assertThat(work.resolve("etc/calyx")).doesNotExist();
  }

  @Test
  void noExecutableDependsOnTheHostJava() throws Exception {
    for (String launcher : List.of("bin/calyx-agent", "bin/calyxctl")) {
      String code = Files.readAllLines(TREE.resolve(launcher)).stream().filter(l -> !l.startsWith("#")).reduce("", (a, b) -> a + b + "\n");
      assertThat(code).doesNotContain("JAVA_HOME").contains("$home/runtime/bin/java");
    }
  }

  @Test
  void theInstalledAgentWiresAContainer(Etcd etcd) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(io.calyx.testkit.Host.isRoot(), "needs root: network namespaces");
    try (io.calyx.testkit.NetnsExtension.NetnsFactory netns = new io.calyx.testkit.NetnsExtension.NetnsFactory()) {
      io.calyx.testkit.Netns host = netns.create();
      io.calyx.testkit.Netns container = netns.create();
      // A host has an address of its own (the one the Mesos agent listens on).
      assertThat(host.exec("ip", "addr", "add", "10.250.0.2/32", "dev", "lo").exitCode()).isZero();
      run(List.of(), TREE.resolve("bin/calyxctl"), "", "--etcd-endpoints", etcd.endpoint(), "pool", "add", "10.92.0.0/16");
      Path socket = startAgent(etcd.endpoint(), "--dataplane-netns", host.path().toString());
      String conf = "{\"args\":{\"org.apache.mesos\":{\"network_info\":{\"groups\":[\"web\"],\"name\":\"it-net\"}}},"
          + "\"cniVersion\":\"0.2.0\",\"ipam\":{\"pools\":[\"10.92.0.0/16\"],\"type\":\"calyx-ipam\"},\"name\":\"it-net\","
          + "\"agent_socket\":\"" + socket + "\",\"type\":\"calyx\"}";
      List<String> env = List.of("CNI_CONTAINERID=it-c1", "CNI_NETNS=" + container.path(), "CNI_IFNAME=eth0", "CNI_PATH=" + TREE.resolve("bin"), PATH);
      List<String> add = new ArrayList<>(List.of("CNI_COMMAND=ADD"));
      add.addAll(env);
      Run added = run(add, TREE.resolve("bin/calyx"), conf);
      assertThat(added.exit()).as(added.stdout()).isZero();
      String cidr = added.json().get("ip4").get("ip").textValue();
      String ip = cidr.substring(0, cidr.indexOf('/'));
      assertThat(container.exec("ip", "-o", "addr", "show", "dev", "eth0").stdout()).contains(cidr);
      assertThat(host.exec("ping", "-c", "1", "-W", "2", ip).exitCode()).as("host reaches the container").isZero();
      Run list = run(List.of(), TREE.resolve("bin/calyxctl"), "", "--etcd-endpoints", etcd.endpoint(), "endpoint", "list", "--network", "it-net");
      assertThat(list.stdout()).contains("it-c1").contains(cidr).contains("web");
      List<String> del = new ArrayList<>(List.of("CNI_COMMAND=DEL"));
      del.addAll(env);
      assertThat(run(del, TREE.resolve("bin/calyx"), conf).exit()).isZero();
      assertThat(linkGone(container, "eth0")).isTrue();
      assertThat(run(List.of(), TREE.resolve("bin/calyxctl"), "", "--etcd-endpoints", etcd.endpoint(), "endpoint", "list", "--network", "it-net")
          .stdout()).doesNotContain("it-c1");
    }
  }
}
