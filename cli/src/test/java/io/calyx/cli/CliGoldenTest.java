package io.calyx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.core.Deadline;
import io.calyx.core.GroupName;
import io.calyx.core.HandleId;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.endpoint.EndpointCodec;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.node.Node;
import io.calyx.core.node.NodeCodec;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.ipam.AllocateRequest;
import io.calyx.ipam.HandleRecord;
import io.calyx.ipam.HostAllocator;
import io.calyx.ipam.Origin;
import io.calyx.ipam.PoolCache;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden outputs: every listing command in table and JSON form against one datastore populated through
 * the real IPAM, compared with {@code src/test/resources/golden/}. Volatile parts (timestamps, "N s ago")
 * are normalised first. After a deliberate output change: {@code -Dcalyx.golden.update=true} rewrites the
 * files; review the diff, it is the documented interface.
 */
@ExtendWith(EtcdExtension.class)
class CliGoldenTest {
  private static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");
  private static final Path GOLDEN = Path.of("src/test/resources/golden");
  private static String heldIp;

  private static Deadline soon() {
    return Deadline.in(Duration.ofSeconds(10), Clock.systemUTC());
  }

  @BeforeAll
  static void populate(Etcd etcd) {
    CalyxCtlTest.against(etcd, "pool", "add", "10.88.0.0/28", "--block-size", "28");
    CalyxCtlTest.against(etcd, "pool", "add", "fd88::/122", "--block-size", "122");
    CalyxCtlTest.against(etcd, "profile", "rule", "add", "web", "--ingress", "--protocol", "tcp", "--port", "80", "--from-group", "lb");
    try (EtcdDatastore store = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())));
        PoolCache pools = PoolCache.start(store, soon());
        HostAllocator a = new HostAllocator(store, "gd-a", pools, Clock.fixed(T0, ZoneOffset.UTC))) {
      // An hour without heartbeat: "no (3600 s ago)" keeps its width for the test's few seconds, so tables stay aligned.
      Instant heartbeat = Instant.now().minus(Duration.ofHours(1));
      Node n = new Node("gd-a", Optional.of(IpAddress.parse("ip", "192.0.2.10")), Optional.empty(), "0.1.0", heartbeat, heartbeat);
      store.txn(new Txn(List.of(), List.of(Op.put(n.key(), NodeCodec.encode(n)))), soon());
      HandleRecord g1 = allocate(a, "web:g1:eth0", Set.of(IpFamily.V4));
      allocate(a, "web:g2:eth0", Set.of(IpFamily.V4));
      HandleRecord g3 = allocate(a, "db:g3:eth0", Set.of(IpFamily.V4, IpFamily.V6));
      endpoint(store, g1, List.of("web"));
      endpoint(store, g3, List.of("db", "public"));
      heldIp = g1.ips().getFirst().ip().toString();
    }
  }

  private static HandleRecord allocate(HostAllocator a, String handle, Set<IpFamily> families) {
    return a.allocate(new AllocateRequest(HandleId.parse(handle), Origin.CALYX, families, List.of(), List.of(), soon())).join();
  }

  private static void endpoint(EtcdDatastore store, HandleRecord r, List<String> groups) {
    Endpoint e = new Endpoint(r.handle(), "gd-a", "cali0123456789a", "0a:58:0a:58:00:02",
        r.ips().stream().map(x -> IpPrefix.host(x.ip())).toList(), groups.stream().map(GroupName::of).toList(), Map.of("app", "x"),
        "/var/run/netns/x", T0);
    store.txn(new Txn(List.of(), List.of(Op.put(e.key(), EndpointCodec.encode(e)))), soon());
  }

  /** name, expected exit status, arguments (HELD is replaced by an allocated address). */
  static List<Object[]> cases() {
    List<Object[]> out = new ArrayList<>();
    String[][] commands = {
        {"pool-list", "0", "pool", "list"},
        {"ipam-show", "0", "ipam", "show", "--show-blocks"},
        {"ipam-show-ip", "0", "ipam", "show", "--ip", "HELD"},
        {"endpoint-list", "0", "endpoint", "list"},
        {"node-list", "0", "node", "list"},
        {"profile-list", "0", "profile", "list"},
        {"profile-show", "0", "profile", "show", "web"},
        {"ipam-check", "3", "ipam", "check", "--progress", "never"}};
    for (String[] c : commands) {
      for (String format : List.of("table", "json")) {
        out.add(new Object[] {c[0] + "." + format, Integer.parseInt(c[1]), List.of(c).subList(2, c.length), format});
      }
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void outputMatchesTheGoldenFile(String name, int exit, List<String> args, String format, Etcd etcd) throws IOException {
    List<String> all = new ArrayList<>(args.stream().map(a -> a.equals("HELD") ? heldIp : a).toList());
    all.addAll(List.of("-o", format));
    CalyxCtlTest.Run r = CalyxCtlTest.against(etcd, all.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isEqualTo(exit);
    assertThat(r.err()).isEmpty();
    String actual = normalise(r.out());
    Path file = GOLDEN.resolve(name);
    if (Boolean.getBoolean("calyx.golden.update")) {
      Files.writeString(file, actual, StandardCharsets.UTF_8);
    }
    assertThat(actual).as("golden file " + file + " (-Dcalyx.golden.update=true rewrites it)").isEqualTo(Files.readString(file));
  }

  /** Timestamps (pool creation is "now") and ages ("3601 s ago") vary from run to run; same-width placeholders keep tables aligned. */
  static String normalise(String out) {
    return out.replaceAll("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z", "<TIME>")
        .replaceAll("\\(\\d{4} s ago\\)", "(NNNN s ago)");
  }
}
