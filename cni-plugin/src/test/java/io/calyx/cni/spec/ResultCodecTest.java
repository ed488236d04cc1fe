package io.calyx.cni.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class ResultCodecTest {
  private static final IpAddress GW4 = IpAddress.parse("gw", "169.254.1.1");
  private static final IpAddress GW6 = IpAddress.parse("gw", "fe80::1");

  /** A dual-stack calyx-style result with 1.1.0-only fields set. */
  static final Result DUAL = new Result(
      List.of(new Result.Interface("eth0", "ee:ee:ee:ee:ee:ee", Optional.of("/var/run/netns/c"), OptionalInt.of(1500))),
      List.of(
          new Result.IpConfig(IpPrefix.parse("a", "10.1.2.3/32"), Optional.of(GW4), OptionalInt.of(0)),
          new Result.IpConfig(IpPrefix.parse("a", "fd00::3/128"), Optional.of(GW6), OptionalInt.of(0))),
      List.of(
          new Result.Route(IpPrefix.parse("d", "0.0.0.0/0"), Optional.of(GW4), OptionalInt.empty(), OptionalInt.empty(), OptionalInt.of(10), OptionalInt.empty(), OptionalInt.empty()),
          Result.Route.of(IpPrefix.parse("d", "::/0"), Optional.of(GW6))),
      new Result.Dns(List.of("10.0.0.53"), Optional.of("mesos"), List.of("marathon.mesos"), List.of()));

  private static final String LEGACY_BODY =
      "\"ip4\":{\"ip\":\"10.1.2.3/32\",\"gateway\":\"169.254.1.1\",\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"169.254.1.1\"}]},"
          + "\"ip6\":{\"ip\":\"fd00::3/128\",\"gateway\":\"fe80::1\",\"routes\":[{\"dst\":\"::/0\",\"gw\":\"fe80::1\"}]}";
  private static final String DNS = "\"dns\":{\"nameservers\":[\"10.0.0.53\"],\"domain\":\"mesos\",\"search\":[\"marathon.mesos\"]}";
  private static final String IFACE = "\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"ee:ee:ee:ee:ee:ee\",\"sandbox\":\"/var/run/netns/c\"}]";
  private static final String IFACE_110 = "\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"ee:ee:ee:ee:ee:ee\",\"sandbox\":\"/var/run/netns/c\",\"mtu\":1500}]";
  private static final String ROUTES = "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"169.254.1.1\"},{\"dst\":\"::/0\",\"gw\":\"fe80::1\"}]";
  private static final String ROUTES_110 = "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"169.254.1.1\",\"priority\":10},{\"dst\":\"::/0\",\"gw\":\"fe80::1\"}]";

  static String expected(CniVersion v) {
    String head = "{\"cniVersion\":\"" + v.text() + "\",";
    return switch (v) {
      case V0_1_0, V0_2_0 -> head + LEGACY_BODY + "," + DNS + "}";
      case V0_3_0, V0_3_1, V0_4_0 -> head + IFACE + ",\"ips\":[{\"version\":\"4\",\"address\":\"10.1.2.3/32\",\"gateway\":\"169.254.1.1\",\"interface\":0},"
          + "{\"version\":\"6\",\"address\":\"fd00::3/128\",\"gateway\":\"fe80::1\",\"interface\":0}]," + ROUTES + "," + DNS + "}";
      case V1_0_0 -> head + IFACE + ",\"ips\":[{\"address\":\"10.1.2.3/32\",\"gateway\":\"169.254.1.1\",\"interface\":0},"
          + "{\"address\":\"fd00::3/128\",\"gateway\":\"fe80::1\",\"interface\":0}]," + ROUTES + "," + DNS + "}";
      case V1_1_0 -> head + IFACE_110 + ",\"ips\":[{\"address\":\"10.1.2.3/32\",\"gateway\":\"169.254.1.1\",\"interface\":0},"
          + "{\"address\":\"fd00::3/128\",\"gateway\":\"fe80::1\",\"interface\":0}]," + ROUTES_110 + "," + DNS + "}";
    };
  }

  private static String text(Result r, CniVersion v, boolean mesos) {
    return new String(Json.write(ResultCodec.encode(r, v, mesos)), StandardCharsets.UTF_8).strip();
  }

  @ParameterizedTest
  @EnumSource(CniVersion.class)
  void printsEachVersionsShape(CniVersion v) {
    assertThat(text(DUAL, v, false)).isEqualTo(expected(v));
  }

  @ParameterizedTest
  @EnumSource(CniVersion.class)
  void mesosCompatibleOutputAddsLegacyFieldsToNewerVersions(CniVersion v) {
    String out = text(DUAL, v, true);
    if (v.hasLegacyResult()) {
      assertThat(out).isEqualTo(expected(v));
    } else {
      assertThat(out).isEqualTo(expected(v).substring(0, expected(v).length() - 1) + "," + LEGACY_BODY + "}");
    }
  }

  @ParameterizedTest
  @EnumSource(CniVersion.class)
  void readsBackWhatItPrints(CniVersion v) {
    Result back = ResultCodec.decode(ResultCodec.encode(DUAL, v, false), "prevResult");
    assertThat(back.ips()).extracting(ip -> ip.address().toString()).containsExactly("10.1.2.3/32", "fd00::3/128");
    assertThat(back.dns()).isEqualTo(DUAL.dns());
    if (v.hasLegacyResult()) {
      assertThat(back.interfaces()).isEmpty();
      assertThat(back.routes()).extracting(r -> r.dst().toString()).containsExactly("0.0.0.0/0", "::/0");
    } else {
      assertThat(back.interfaces()).extracting(Result.Interface::name).containsExactly("eth0");
      assertThat(back.ips()).allSatisfy(ip -> assertThat(ip.interfaceIndex()).hasValue(0));
      if (v.isAtLeast(CniVersion.V1_1_0)) {
        assertThat(back).isEqualTo(DUAL);
      }
    }
  }

  @Test
  void ipamResultOmitsInterfaces() {
    Result ipamOnly = new Result(List.of(),
        List.of(new Result.IpConfig(IpPrefix.parse("a", "10.1.2.3/24"), Optional.of(IpAddress.parse("g", "10.1.2.1")), OptionalInt.empty())),
        List.of(), Result.Dns.EMPTY);
    assertThat(text(ipamOnly, CniVersion.V0_4_0, false))
        .isEqualTo("{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"4\",\"address\":\"10.1.2.3/24\",\"gateway\":\"10.1.2.1\"}],\"dns\":{}}");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"ips\":[{\"address\":\"10.0.0.1\"}]}|prevResult.ips[0].address",
        "{\"ips\":[{\"address\":\"10.0.0.1/32\",\"interface\":3}],\"interfaces\":[]}|prevResult.ips[0].interface",
        "{\"ip4\":{\"gateway\":\"1.1.1.1\"}}|prevResult.ip4.ip is required",
        "{\"ips\":\"x\"}|prevResult.ips must be an array",
        "[]|prevResult must be a JSON object",
      })
  void malformedPrevResultIsCode7NamingTheField(String json, String message) {
    assertThatThrownBy(() -> ResultCodec.decode(Json.parse(json.getBytes(StandardCharsets.UTF_8), "t"), "prevResult"))
        .isInstanceOfSatisfying(CniException.class, e -> {
          assertThat(e.code()).isEqualTo(7);
          assertThat(e.msg()).contains(message);
        });
  }
}
