package io.calyx.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.testkit.Netns;
import io.calyx.testkit.NetnsExtension;
import io.calyx.testkit.NetnsExtension.NetnsFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The netlink layer against the real kernel, in namespaces the test creates, each result compared with
 * what {@code ip -j} reports. Root only.
 */
@ExtendWith(NetnsExtension.class)
class NetlinkKernelTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode ipJson(Netns ns, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ip", "-j"));
    cmd.addAll(List.of(args));
    var out = ns.exec(cmd.toArray(String[]::new));
    assertThat(out.exitCode()).as(out.stderr()).isZero();
    return JSON.readTree(out.stdout());
  }

  private record Pair(Netns host, Netns container, int hostFd, int containerFd, Netlink hostNl, Netlink containerNl) implements AutoCloseable {
    @Override
    public void close() {
      hostNl.close();
      containerNl.close();
      Namespaces.close(hostFd);
      Namespaces.close(containerFd);
    }
  }

  private static Pair pair(NetnsFactory factory) {
    Netns host = factory.create();
    Netns container = factory.create();
    int hfd = Namespaces.open(host.path().toString());
    int cfd = Namespaces.open(container.path().toString());
    return new Pair(host, container, hfd, cfd, Netlink.in(hfd, host.name()), Netlink.in(cfd, container.name()));
  }

  @Test
  void linksMatchIpLink(Netns ns) throws Exception {
    int fd = Namespaces.open(ns.path().toString());
    try (Netlink nl = Netlink.in(fd, ns.name())) {
      List<Link> links = nl.links();
      JsonNode ip = ipJson(ns, "link", "show");
      assertThat(links).extracting(Link::name).containsExactlyInAnyOrderElementsOf(ip.findValuesAsText("ifname"));
      Link lo = nl.link("lo").orElseThrow();
      assertThat(lo.index()).isEqualTo(ip.get(0).get("ifindex").asInt());
      assertThat(lo.up()).isTrue();
      assertThat(nl.link("nope0")).isEmpty();
    } finally {
      Namespaces.close(fd);
    }
  }

  @Test
  void vethPeerIsCreatedDirectlyInTheOtherNamespace(NetnsFactory factory) throws Exception {
    try (Pair p = pair(factory)) {
      p.hostNl().addVeth("calitest0", Optional.of("ee:ee:ee:ee:ee:ee"), OptionalInt.of(1400), "eth0", p.containerFd(),
          Optional.of("0a:11:22:33:44:55"), OptionalInt.of(1400));
      Link host = p.hostNl().link("calitest0").orElseThrow();
      assertThat(host.mac()).isEqualTo("ee:ee:ee:ee:ee:ee");
      assertThat(host.kind()).isEqualTo("veth");
      assertThat(host.mtu()).isEqualTo(1400);
      JsonNode peer = ipJson(p.container(), "link", "show", "eth0");
      assertThat(peer.get(0).get("mtu").asInt()).isEqualTo(1400);
      assertThat(p.containerNl().link("eth0").orElseThrow().mac()).isEqualTo(peer.get(0).get("address").asText()).isEqualTo("0a:11:22:33:44:55");
      assertThat(ipJson(p.host(), "link", "show", "calitest0").get(0).get("address").asText()).isEqualTo("ee:ee:ee:ee:ee:ee");

      assertThatThrownBy(() -> p.hostNl().addVeth("calitest0", Optional.empty(), OptionalInt.empty(), "eth1", p.containerFd(), Optional.empty(), OptionalInt.empty()))
          .isInstanceOf(NativeException.class)
          .hasMessage("RTM_NEWLINK veth calitest0: File exists (EEXIST)");

      assertThat(p.hostNl().deleteLink("calitest0")).isTrue();
      assertThat(p.hostNl().deleteLink("calitest0")).isFalse();
      assertThat(p.containerNl().link("eth0")).as("deleting one end removes the pair").isEmpty();
    }
  }

  @Test
  void addressesRoutesAndNeighboursMatchIp(NetnsFactory factory) throws Exception {
    try (Pair p = pair(factory)) {
      p.hostNl().addVeth("calitest1", Optional.of("ee:ee:ee:ee:ee:ee"), OptionalInt.empty(), "eth0", p.containerFd(), Optional.empty(), OptionalInt.empty());
      Link eth0 = p.containerNl().link("eth0").orElseThrow();
      IpPrefix ip = IpPrefix.parse("t", "10.99.3.17/32");
      IpAddress gw = IpAddress.parse("t", "169.254.1.1");
      p.containerNl().addAddress(eth0.index(), ip, "eth0");
      p.containerNl().setUp(eth0.index(), true, "eth0");
      p.containerNl().addRoute(Route.link(IpPrefix.host(gw), eth0.index()));
      p.containerNl().addRoute(Route.via(IpPrefix.parseNetwork("t", "0.0.0.0/0"), gw, eth0.index(), false));
      p.containerNl().setPermanentNeighbor(eth0.index(), IpAddress.parse("t", "10.99.3.1"), "ee:ee:ee:ee:ee:01");

      assertThat(p.containerNl().addresses()).extracting(a -> a.prefix().toString()).contains("10.99.3.17/32");
      JsonNode addr = ipJson(p.container(), "addr", "show", "dev", "eth0");
      assertThat(addr.get(0).get("addr_info").findValuesAsText("local")).contains("10.99.3.17");

      List<Route> routes = p.containerNl().routes(IpFamily.V4);
      assertThat(routes).anySatisfy(r -> {
        assertThat(r.dst().toString()).isEqualTo("0.0.0.0/0");
        assertThat(r.gateway()).contains(gw);
        assertThat(r.protocol()).isEqualTo(Route.PROTOCOL_CALYX);
      });
      JsonNode ipRoutes = ipJson(p.container(), "route", "show");
      assertThat(ipRoutes.findValuesAsText("dst")).contains("default", "169.254.1.1");
      assertThat(ipRoutes.findValuesAsText("gateway")).contains("169.254.1.1");

      JsonNode neigh = ipJson(p.container(), "neigh", "show", "dev", "eth0");
      assertThat(neigh.get(0).get("dst").asText()).isEqualTo("10.99.3.1");
      assertThat(neigh.get(0).get("state").get(0).asText()).isEqualTo("PERMANENT");

      p.containerNl().replaceRoute(Route.via(IpPrefix.parseNetwork("t", "0.0.0.0/0"), gw, eth0.index(), false));
      assertThat(p.containerNl().deleteRoute(Route.via(IpPrefix.parseNetwork("t", "0.0.0.0/0"), gw, eth0.index(), false))).isTrue();
      assertThat(p.containerNl().deleteRoute(Route.via(IpPrefix.parseNetwork("t", "0.0.0.0/0"), gw, eth0.index(), false))).isFalse();
      p.hostNl().deleteLink("calitest1");
    }
  }

  @Test
  void aLinkIsSetDownAndUpByNameInOneRequest(NetnsFactory factory) throws Exception {
    try (Pair p = pair(factory)) {
      p.hostNl().addVeth("calitest3", Optional.empty(), OptionalInt.empty(), "eth0", p.containerFd(), Optional.empty(), OptionalInt.empty());
      assertThat(p.hostNl().setUp("calitest3", true)).isTrue();
      assertThat(p.hostNl().link("calitest3").orElseThrow().up()).isTrue();
      assertThat(p.hostNl().setUp("calitest3", false)).isTrue();
      assertThat(p.hostNl().link("calitest3").orElseThrow().up()).isFalse();
      assertThat(p.hostNl().setUp("calinothere", false)).isFalse();
      p.hostNl().deleteLink("calitest3");
    }
  }

  @Test
  void largeDumpsArriveWhole(NetnsFactory factory) throws Exception {
    try (Pair p = pair(factory)) {
      p.hostNl().addVeth("calitest2", Optional.empty(), OptionalInt.empty(), "eth0", p.containerFd(), Optional.empty(), OptionalInt.empty());
      Link link = p.hostNl().link("calitest2").orElseThrow();
      p.hostNl().setUp(link.index(), true, "calitest2");
      for (int i = 0; i < 600; i++) {
        p.hostNl().addRoute(Route.link(IpPrefix.parse("t", "10.77." + (i / 250) + "." + (i % 250) + "/32"), link.index()));
      }
      long mine = p.hostNl().routes(IpFamily.V4).stream().filter(r -> r.protocol() == Route.PROTOCOL_CALYX).count();
      assertThat(mine).isEqualTo(600);
      assertThat(ipJson(p.host(), "route", "show", "proto", "80")).hasSize(600);
      p.hostNl().deleteLink("calitest2");
    }
  }

  @Test
  void sysctlsAreWrittenInTheRightNamespace(Netns ns) throws Exception {
    int fd = Namespaces.open(ns.path().toString());
    try {
      Sysctl.write(fd, ns.name(), "net.ipv4.ip_forward", "1");
      assertThat(ns.exec("cat", "/proc/sys/net/ipv4/ip_forward").stdout().strip()).isEqualTo("1");
      assertThat(Sysctl.read("net.ipv4.conf.lo.forwarding")).as("the test's own namespace is untouched by the write")
          .isNotNull();
    } finally {
      Namespaces.close(fd);
    }
  }

  @Test
  void openingAMissingNamespaceNamesIt() {
    assertThatThrownBy(() -> Namespaces.open("/var/run/netns/calyx-none-such"))
        .isInstanceOf(NativeException.class)
        .hasMessage("open /var/run/netns/calyx-none-such: No such file or directory (ENOENT)");
  }
}
