package io.calyx.policy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.GroupName;
import io.calyx.core.InvalidValueException;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.policy.Peer;
import io.calyx.core.policy.PortRange;
import io.calyx.core.policy.Profile;
import io.calyx.core.policy.Rule;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The profile document: round trips, the documented form, and clear refusals of anything else. */
class ProfileCodecTest {
  private static Profile decode(String json) {
    return ProfileCodec.decode("/calyx/v1/profiles/web", json.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void defaultProfilesAreTheCalicoMesosOnes() {
    assertThat(Profile.defaultFor(GroupName.of("web")))
        .isEqualTo(decode("{'schema':1,'name':'web','ingress':[{'action':'allow','source':{'group':'web'}}],'egress':[{'action':'allow'}]}"));
    assertThat(Profile.defaultFor(GroupName.PUBLIC))
        .isEqualTo(decode("{'schema':1,'name':'public','ingress':[{'action':'allow'}],'egress':[{'action':'allow'}]}"));
  }

  @Test
  void everyFieldRoundTrips() {
    Profile p = new Profile(GroupName.of("web"),
        List.of(
            new Rule(Rule.Action.ALLOW, Rule.Protocol.TCP, List.of(PortRange.of(80), new PortRange(8000, 8080)),
                Optional.of(new Peer.Nets(List.of(IpPrefix.parseNetwork("n", "10.0.0.0/8"), IpPrefix.parseNetwork("n", "fd00::/64")))), Optional.empty()),
            new Rule(Rule.Action.DENY, Rule.Protocol.UDP, List.of(PortRange.of(53)), Optional.of(new Peer.Group(GroupName.of("db"))), Optional.empty()),
            new Rule(Rule.Action.ALLOW, Rule.Protocol.ICMP, List.of(), Optional.empty(), Optional.empty())),
        List.of(new Rule(Rule.Action.DENY, Rule.Protocol.ANY, List.of(), Optional.empty(),
            Optional.of(new Peer.Nets(List.of(IpPrefix.parseNetwork("n", "169.254.169.254/32"))))), Rule.allowAll()));
    assertThat(ProfileCodec.decode("k", ProfileCodec.encode(p))).isEqualTo(p);
    assertThat(new String(ProfileCodec.encode(p), StandardCharsets.UTF_8)).contains(
        "{\"action\":\"allow\",\"protocol\":\"tcp\",\"ports\":[\"80\",\"8000-8080\"],\"source\":{\"nets\":[\"10.0.0.0/8\",\"fd00::/64\"]}}");
  }

  @Test
  void portsMayBeNumbers() {
    Profile p = decode("{'schema':1,'name':'web','ingress':[{'action':'allow','protocol':'tcp','ports':[80,'90-99']}]}");
    assertThat(p.ingress().getFirst().ports()).containsExactly(PortRange.of(80), new PortRange(90, 99));
    assertThat(p.egress()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      unknown schema      | {'schema':2,'name':'web'}                                                        | schema 2 is unknown (this calyx reads schema 1
      no schema           | {'name':'web'}                                                                   | field schema is missing
      not JSON            | {'schema':                                                                       | not JSON
      not an object       | [1]                                                                              | not a JSON object
      unknown field       | {'schema':1,'name':'web','ingres':[]}                                            | unknown field "ingres"
      bad name            | {'schema':1,'name':'a b'}                                                        | name: invalid group name "a b"
      misspelt source     | {'schema':1,'name':'web','ingress':[{'action':'allow','sorce':{}}]}              | unknown field ingress[0]."sorce"
      bad action          | {'schema':1,'name':'web','ingress':[{'action':'permit'}]}                        | ingress[0].action must be allow or deny, not "permit"
      bad protocol        | {'schema':1,'name':'web','ingress':[{'action':'allow','protocol':'sctp'}]}       | ingress[0].protocol must be tcp, udp, icmp or any, not "sctp"
      ports without proto | {'schema':1,'name':'web','ingress':[{'action':'allow','ports':[80]}]}            | ingress[0].ports: ports need protocol tcp or udp, not any
      port out of range   | {'schema':1,'name':'web','egress':[{'action':'allow','protocol':'tcp','ports':['0-70000']}]} | egress[0].ports[0]: "0-70000" is not within 1-65535
      reversed range      | {'schema':1,'name':'web','egress':[{'action':'allow','protocol':'udp','ports':['99-10']}]}   | egress[0].ports[0]: "99-10" is not within 1-65535 with first <= last
      host bits           | {'schema':1,'name':'web','ingress':[{'action':'allow','source':{'nets':['10.0.0.1/8']}}]}  | ingress[0].source.nets[0]: "10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?
      not a cidr          | {'schema':1,'name':'web','ingress':[{'action':'allow','source':{'nets':['web']}}]}         | ingress[0].source.nets[0]: "web" is not in CIDR form
      nets and group      | {'schema':1,'name':'web','ingress':[{'action':'allow','source':{'nets':['10.0.0.0/8'],'group':'x'}}]} | ingress[0].source needs exactly one of nets or group
      bad group           | {'schema':1,'name':'web','ingress':[{'action':'allow','source':{'group':'x;drop'}}]}       | ingress[0].source.group: invalid group name "x;drop"
      disjoint families   | {'schema':1,'name':'web','ingress':[{'action':'allow','source':{'nets':['10.0.0.0/8']},'destination':{'nets':['fd00::/8']}}]} | ingress[0].destination: source and destination networks have no address family in common
      empty nets          | {'schema':1,'name':'web','ingress':[{'action':'allow','source':{'nets':[]}}]}              | ingress[0].source.nets: must list at least one network
      rules not an array  | {'schema':1,'name':'web','ingress':{}}                                           | ingress is not an array of rules
      """)
  void refusesWithThePathOfTheProblem(String what, String json, String message) {
    assertThatThrownBy(() -> decode(json))
        .as(what)
        .isInstanceOf(ProfileDocumentException.class)
        .hasMessageStartingWith("profile /calyx/v1/profiles/web is invalid: ")
        .hasMessageContaining(message.replace('\'', '"'));
  }

  @Test
  void valueTypesValidateWhenBuilt() {
    assertThatThrownBy(() -> new Rule(Rule.Action.ALLOW, Rule.Protocol.ICMP, List.of(PortRange.of(1)), Optional.empty(), Optional.empty()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("ports need protocol tcp or udp, not icmp");
    assertThatThrownBy(() -> new Rule(null, Rule.Protocol.ANY, List.of(), Optional.empty(), Optional.empty()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("action");
    assertThatThrownBy(() -> new PortRange(5, 4)).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> PortRange.parse("p", "+80")).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> PortRange.parse("p", "80-")).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> new Profile(GroupName.of("web"), java.util.Collections.nCopies(Profile.MAX_RULES + 1, Rule.allowAll()), List.of()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("more than 1024 rules");
  }
}
