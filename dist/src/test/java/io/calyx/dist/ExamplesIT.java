package io.calyx.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import io.calyx.testkit.Host;
import io.calyx.testkit.Netns;
import io.calyx.testkit.NetnsExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/: every JSON file parses; every network config set loads as Mesos would load it; every Marathon
 * app and pod, translated into the NetworkInfos Mesos builds (mesos-contract.md §3), is launched through
 * the tree's real {@code bin/calyx} against a real agent and etcd, gets an address from its network's pools
 * on every interface, has the groups the contract promises, and is removed by DEL.
 */
@ExtendWith(EtcdExtension.class)
class ExamplesIT {
  static final Path EXAMPLES = Path.of(System.getProperty("calyx.repo", "..")).toAbsolutePath().normalize().resolve("examples");
  private static final ObjectMapper STRICT = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /** The groups each example's container must end up in, per network (CONTRACT.md, "Groups and labels"). */
  private static final Map<String, Map<String, List<String>>> EXPECTED_GROUPS = Map.of(
      "web-legacy.json", Map.of("calyx", List.of("web")),
      "db-legacy.json", Map.of("calyx", List.of("db")),
      "web-networks.json", Map.of("calyx", List.of("web")),
      "public-networks.json", Map.of("calyx", List.of("public", "web")),
      "api-two-networks.json", Map.of("calyx-prod", List.of("api"), "calyx-dev", List.of("calyx-dev")),
      "dual-stack.json", Map.of("calyx-dual", List.of("web")),
      "pod.json", Map.of("calyx", List.of("cache")));

  @TempDir
  Path work;

  static List<Path> files(String... suffixes) throws IOException {
    try (Stream<Path> all = Files.walk(EXAMPLES)) {
      return all.filter(Files::isRegularFile).filter(f -> Stream.of(suffixes).anyMatch(s -> f.toString().endsWith(s))).sorted().toList();
    }
  }

  /** Every network config under examples/cni, by network name. */
  static Map<String, JsonNode> networkConfigs() throws IOException {
    Map<String, JsonNode> byName = new LinkedHashMap<>();
    for (Path f : files(".conf")) {
      JsonNode conf = STRICT.readTree(f.toFile());
      assertThat(byName.put(conf.get("name").textValue(), conf)).as("network names are unique across examples: " + f).isNull();
    }
    return byName;
  }

  @Test
  void everyJsonFileParses() throws IOException {
    List<Path> json = files(".json", ".conf");
    assertThat(json).hasSizeGreaterThanOrEqualTo(12);
    for (Path f : json) {
      JsonNode doc = STRICT.readTree(f.toFile());
      assertThat(doc).as(f.toString()).isNotNull();
      assertThat(doc.isObject()).as(f + " is a JSON object").isTrue();
    }
  }

  @Test
  void everyConfigSetLoadsAsMesosLoadsItsConfigDir() throws IOException {
    List<Path> dirs;
    try (Stream<Path> d = Files.list(EXAMPLES.resolve("cni"))) {
      dirs = d.filter(Files::isDirectory).sorted().toList();
    }
    assertThat(dirs).extracting(p -> p.getFileName().toString()).containsExactly("dual-stack", "single", "two-networks");
    for (Path dir : dirs) {
      Map<String, String> loaded = MesosConfigDirIT.load(dir, List.of(InstallTreeIT.TREE.resolve("bin")));
      try (Stream<Path> f = Files.list(dir)) {
        assertThat(loaded).as(dir.toString()).hasSize((int) f.count());
      }
      for (String name : loaded.keySet()) {
        JsonNode conf = STRICT.readTree(dir.resolve(loaded.get(name)).toFile());
        assertThat(conf.get("type").textValue()).isEqualTo("calyx");
        assertThat(conf.get("ipam").get("type").textValue()).isEqualTo("calyx-ipam");
        assertThat(conf.get("cniVersion").textValue()).as("Mesos reads 0.2.0 results only").isEqualTo("0.2.0");
      }
    }
  }

  @Test
  void everyMarathonDefinitionNamesKnownNetworksAndHasExpectations() throws IOException {
    Map<String, JsonNode> configs = networkConfigs();
    List<Path> definitions = files(".json").stream().filter(f -> f.getParent().endsWith("marathon")).toList();
    assertThat(definitions).extracting(f -> f.getFileName().toString()).containsExactlyInAnyOrderElementsOf(EXPECTED_GROUPS.keySet());
    for (Path f : definitions) {
      List<ObjectNode> infos = MarathonNetworks.networkInfos(STRICT.readTree(f.toFile()));
      assertThat(infos).as(f.toString()).isNotEmpty();
      assertThat(infos).extracting(i -> i.get("name").textValue()).as(f.toString())
          .allMatch(configs::containsKey)
          .containsExactlyInAnyOrderElementsOf(EXPECTED_GROUPS.get(f.getFileName().toString()).keySet());
    }
  }

  @Test
  @ExtendWith(NetnsExtension.class)
  void everyMarathonDefinitionLaunchesThroughThePlugin(Etcd etcd, NetnsExtension.NetnsFactory netns) throws Exception {
    Assumptions.assumeTrue(Host.isRoot(), "needs root: network namespaces");
    Map<String, JsonNode> configs = networkConfigs();
    for (JsonNode conf : configs.values()) {
      for (JsonNode pool : conf.path("ipam").path("pools")) {
        ctl(etcd, "pool", "add", pool.textValue());
      }
    }
    Netns host = netns.create();
    assertThat(host.exec("ip", "addr", "add", "10.250.0.4/32", "dev", "lo").exitCode()).isZero();
    try (TreeAgent agent = TreeAgent.start(InstallTreeIT.TREE, etcd.endpoint(), "examples-node", work,
        "--dataplane-netns", host.path().toString(), "--host-ip", "10.250.0.4", "--no-reclaim")) {
      for (Path f : files(".json").stream().filter(p -> p.getParent().endsWith("marathon")).toList()) {
        launchAndRemove(f, configs, agent, netns.create(), etcd);
      }
    }
  }

  private void launchAndRemove(Path definition, Map<String, JsonNode> configs, TreeAgent agent, Netns container, Etcd etcd) throws Exception {
    String name = definition.getFileName().toString();
    List<ObjectNode> infos = MarathonNetworks.networkInfos(STRICT.readTree(definition.toFile()));
    String containerId = UUID.randomUUID().toString(); // an app task's container, or a pod's executor container
    List<String> stdins = new ArrayList<>();
    for (int i = 0; i < infos.size(); i++) {
      ObjectNode conf = configs.get(infos.get(i).get("name").textValue()).deepCopy();
      conf.put("agent_socket", agent.socket().toString());
      String stdin = MarathonNetworks.checkpoint(conf, infos.get(i));
      stdins.add(stdin);
      InstallTreeIT.Run add = InstallTreeIT.run(cni("ADD", containerId, container, i), InstallTreeIT.TREE.resolve("bin/calyx"), stdin);
      assertThat(add.exit()).as(name + " ADD eth" + i + ": " + add.stdout() + add.stderr()).isZero();
      JsonNode result = add.json();
      List<String> pools = new ArrayList<>();
      conf.path("ipam").path("pools").forEach(p -> pools.add(p.textValue()));
      assertThat(result.get("ip4").get("ip").textValue()).as(name).endsWith("/32").satisfies(ip -> assertThat(inAny(ip, pools)).isTrue());
      if (conf.path("ipam").path("assign_ipv6").asBoolean()) {
        assertThat(result.get("ip6").get("ip").textValue()).as(name).endsWith("/128").satisfies(ip -> assertThat(inAny(ip, pools)).isTrue());
      }
      assertThat(container.exec("ip", "-o", "addr", "show", "dev", "eth" + i).stdout()).contains(result.get("ip4").get("ip").textValue());
    }
    JsonNode endpoints = MarathonNetworks.JSON.readTree(ctl(etcd, "endpoint", "list", "-o", "json"));
    Map<String, List<String>> groups = new LinkedHashMap<>();
    for (JsonNode e : endpoints) {
      if (e.get("container_id").textValue().equals(containerId)) {
        List<String> g = new ArrayList<>();
        e.get("groups").forEach(x -> g.add(x.textValue()));
        groups.put(e.get("network").textValue(), g);
      }
    }
    assertThat(groups).as(name).isEqualTo(EXPECTED_GROUPS.get(name));
    for (int i = 0; i < infos.size(); i++) {
      InstallTreeIT.Run del = InstallTreeIT.run(cni("DEL", containerId, container, i), InstallTreeIT.TREE.resolve("bin/calyx"), stdins.get(i));
      assertThat(del.exit()).as(name + " DEL: " + del.stdout()).isZero();
      assertThat(InstallTreeIT.linkGone(container, "eth" + i)).as(name + ": eth" + i + " gone after DEL").isTrue();
    }
    assertThat(ctl(etcd, "endpoint", "list", "-o", "json")).doesNotContain(containerId);
  }

  private static List<String> cni(String command, String containerId, Netns container, int index) {
    return List.of("CNI_COMMAND=" + command, "CNI_CONTAINERID=" + containerId, "CNI_NETNS=" + container.path(),
        "CNI_IFNAME=eth" + index, "CNI_PATH=" + InstallTreeIT.TREE.resolve("bin"), InstallTreeIT.PATH);
  }

  private static String ctl(Etcd etcd, String... args) {
    List<String> all = new ArrayList<>(List.of("--etcd-endpoints", etcd.endpoint()));
    all.addAll(List.of(args));
    InstallTreeIT.Run r = InstallTreeIT.run(List.of(), InstallTreeIT.TREE.resolve("bin/calyxctl"), "", all.toArray(String[]::new));
    assertThat(r.exit()).as("calyxctl " + all + ": " + r.stderr()).isZero();
    return r.stdout();
  }

  private static boolean inAny(String cidr, List<String> pools) {
    io.calyx.core.net.IpAddress ip = io.calyx.core.net.IpAddress.parse("ip", cidr.substring(0, cidr.indexOf('/')));
    return pools.stream().anyMatch(p -> io.calyx.core.net.IpPrefix.parseNetwork("pool", p).contains(ip));
  }
}
