package io.calyx.policy.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.GroupName;
import io.calyx.core.InvalidValueException;
import io.calyx.policy.store.ProfileCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Rule to nft statements, one row per shape (rules written as they are stored). */
class RuleRendererTest {
  private static final String W = Names.hash(GroupName.of("web"));

  private static List<String> render(String ruleJson) {
    String doc = "{'schema':1,'name':'x','ingress':[" + ruleJson + "]}";
    return RuleRenderer.render(ProfileCodec.decode("t", doc.replace('\'', '"').getBytes(StandardCharsets.UTF_8)).ingress().getFirst());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      allow all            | {'action':'allow'}                                                         | accept
      deny all             | {'action':'deny'}                                                          | drop
      tcp                  | {'action':'allow','protocol':'tcp'}                                        | meta l4proto tcp accept
      one port             | {'action':'allow','protocol':'tcp','ports':[80]}                           | tcp dport 80 accept
      ports and range      | {'action':'deny','protocol':'udp','ports':[53,'8000-8080']}                | udp dport { 53, 8000-8080 } drop
      icmp both families   | {'action':'allow','protocol':'icmp'}                                       | meta l4proto { icmp, ipv6-icmp } accept
      v4 net               | {'action':'allow','source':{'nets':['10.0.0.0/8']}}                        | ip saddr 10.0.0.0/8 accept
      v4 nets, tcp port    | {'action':'allow','protocol':'tcp','ports':[22],'source':{'nets':['10.0.0.0/8','192.168.1.0/24']}} | ip saddr { 10.0.0.0/8, 192.168.1.0/24 } tcp dport 22 accept
      v6 net, icmp         | {'action':'allow','protocol':'icmp','source':{'nets':['fd00::/64']}}        | ip6 saddr fd00::/64 meta l4proto ipv6-icmp accept
      destination net      | {'action':'deny','destination':{'nets':['169.254.169.254/32']}}            | ip daddr 169.254.169.254/32 drop
      """)
  void oneFamilyOrNone(String what, String rule, String expected) {
    assertThat(render(rule)).as(what).containsExactly(expected);
  }

  @Test
  void aGroupBecomesOneStatementPerFamily() {
    assertThat(render("{'action':'allow','source':{'group':'web'}}"))
        .containsExactly("ip saddr @g4_" + W + " accept", "ip6 saddr @g6_" + W + " accept");
    assertThat(render("{'action':'allow','protocol':'icmp','destination':{'group':'web'}}"))
        .containsExactly("ip daddr @g4_" + W + " meta l4proto icmp accept", "ip6 daddr @g6_" + W + " meta l4proto ipv6-icmp accept");
  }

  @Test
  void mixedNetsSplitByFamilyAndMeetAGroup() {
    assertThat(render("{'action':'allow','source':{'nets':['10.0.0.0/8','fd00::/8']},'destination':{'group':'web'},'protocol':'tcp','ports':[443]}"))
        .containsExactly(
            "ip saddr 10.0.0.0/8 ip daddr @g4_" + W + " tcp dport 443 accept",
            "ip6 saddr fd00::/8 ip6 daddr @g6_" + W + " tcp dport 443 accept");
    assertThat(render("{'action':'allow','source':{'nets':['10.0.0.0/8','fd00::/8']},'destination':{'nets':['fd01::/16']}}"))
        .as("only the family both sides share").containsExactly("ip6 saddr fd00::/8 ip6 daddr fd01::/16 accept");
  }

  @Test
  void namesNeverCarryUserText() {
    assertThat(Names.memberSet(GroupName.of("Web.Tier-1_a"), io.calyx.core.net.IpFamily.V4)).matches("g4_[0-9a-f]{16}");
    assertThat(Names.profileIngress(GroupName.of("web"))).isEqualTo("pi_" + W).doesNotContain("web");
    assertThat(Names.hash(GroupName.of("web"))).isNotEqualTo(Names.hash(GroupName.of("Web")));
    assertThat(Names.endpointIngress("cali0123456789a")).isEqualTo("in_cali0123456789a");
    for (String bad : new String[] {"eth0", "cali0123456789A", "cali0123456789ab", "cali\"; flush", "", "veth01234567890"}) {
      assertThatThrownBy(() -> Names.endpointEgress(bad)).as(bad).isInstanceOf(InvalidValueException.class).hasMessageContaining("host veth");
    }
  }
}
