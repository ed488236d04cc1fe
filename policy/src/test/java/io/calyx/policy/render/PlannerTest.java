package io.calyx.policy.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.core.GroupName;
import io.calyx.core.net.IpAddress;
import io.calyx.core.policy.Profile;
import io.calyx.core.policy.Rule;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The batches each kind of change produces, as exact scripts: the full replacement at start, one endpoint's
 * ADD in one batch, a remote membership change as element operations only, a profile edit rewriting only
 * its chains, and removals that leave nothing behind.
 */
class PlannerTest {
  private static final GroupName WEB = GroupName.of("web");
  private static final GroupName DB = GroupName.of("db");
  private static final String W = Names.hash(WEB);
  private static final String D = Names.hash(DB);
  private PolicyModel model;

  private static IpAddress ip(String s) {
    return IpAddress.parse("ip", s);
  }

  private static LocalEndpoint local(String veth, String key, List<String> ips, GroupName... groups) {
    return new LocalEndpoint(veth, key, new Member(ips.stream().map(PlannerTest::ip).toList(), List.of(groups)));
  }

  private String pending() {
    String s = model.pendingBatch().script();
    model.markApplied();
    return s;
  }

  @BeforeEach
  void start() {
    model = new PolicyModel(List.of(5051, 53));
    model.markFullyApplied();
  }

  @Test
  void theEmptyTable() {
    assertThat(new PolicyModel(List.of(5051)).fullBatch().script()).isEqualTo("""
        add table inet calyx
        delete table inet calyx
        add table inet calyx
        add map inet calyx endpoints_in { type ifname : verdict; }
        add map inet calyx endpoints_out { type ifname : verdict; }
        add chain inet calyx endpoint_to_host
        add chain inet calyx from_endpoints { type filter hook forward priority 0; policy accept; }
        add chain inet calyx host_input { type filter hook input priority 0; policy accept; }
        add chain inet calyx to_endpoints { type filter hook forward priority 1; policy accept; }
        add rule inet calyx endpoint_to_host ct state established,related accept
        add rule inet calyx endpoint_to_host icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept
        add rule inet calyx endpoint_to_host meta l4proto { tcp, udp } th dport 5051 accept
        add rule inet calyx endpoint_to_host drop
        add rule inet calyx from_endpoints ct state established,related accept
        add rule inet calyx from_endpoints iifname vmap @endpoints_out
        add rule inet calyx from_endpoints iifname "cali*" drop
        add rule inet calyx host_input iifname "cali*" goto endpoint_to_host
        add rule inet calyx to_endpoints ct state established,related accept
        add rule inet calyx to_endpoints oifname vmap @endpoints_in
        add rule inet calyx to_endpoints oifname "cali*" drop
        """);
  }

  @Test
  void aFirstEndpointCreatesItsGroupInOneBatch() {
    model.putMember("/remote/1", new Member(List.of(ip("10.1.0.9")), List.of(WEB)));
    assertThat(pending()).as("no local endpoint uses web yet: nothing to render").isEmpty();
    model.putLocal(local("cali0000000000a", "/local/a", List.of("10.0.0.1", "fd00::1"), WEB));
    assertThat(pending()).isEqualTo("""
        add set inet calyx g4_%1$s { type ipv4_addr; }
        add set inet calyx g6_%1$s { type ipv6_addr; }
        add chain inet calyx in_cali0000000000a
        add chain inet calyx out_cali0000000000a
        add chain inet calyx pi_%1$s
        add chain inet calyx po_%1$s
        add element inet calyx g4_%1$s { 10.0.0.1, 10.1.0.9 }
        add element inet calyx g6_%1$s { fd00::1 }
        add rule inet calyx in_cali0000000000a jump pi_%1$s
        add rule inet calyx in_cali0000000000a drop
        add rule inet calyx out_cali0000000000a ip saddr != 10.0.0.1 drop
        add rule inet calyx out_cali0000000000a ip6 saddr != fd00::1 drop
        add rule inet calyx out_cali0000000000a jump po_%1$s
        add rule inet calyx out_cali0000000000a drop
        add rule inet calyx pi_%1$s ip saddr @g4_%1$s accept
        add rule inet calyx pi_%1$s ip6 saddr @g6_%1$s accept
        add rule inet calyx po_%1$s accept
        add element inet calyx endpoints_in { "cali0000000000a" : goto in_cali0000000000a }
        add element inet calyx endpoints_out { "cali0000000000a" : goto out_cali0000000000a }
        """.formatted(W));
  }

  @Test
  void aSecondEndpointOfTheGroupAddsOnlyItsOwnObjects() {
    model.putLocal(local("cali0000000000a", "/local/a", List.of("10.0.0.1"), WEB));
    pending();
    model.putLocal(local("cali0000000000b", "/local/b", List.of("10.0.0.2"), WEB));
    assertThat(pending()).isEqualTo("""
        add chain inet calyx in_cali0000000000b
        add chain inet calyx out_cali0000000000b
        add element inet calyx g4_%1$s { 10.0.0.2 }
        add rule inet calyx in_cali0000000000b jump pi_%1$s
        add rule inet calyx in_cali0000000000b drop
        add rule inet calyx out_cali0000000000b ip saddr != 10.0.0.2 drop
        add rule inet calyx out_cali0000000000b meta nfproto ipv6 drop
        add rule inet calyx out_cali0000000000b jump po_%1$s
        add rule inet calyx out_cali0000000000b drop
        add element inet calyx endpoints_in { "cali0000000000b" : goto in_cali0000000000b }
        add element inet calyx endpoints_out { "cali0000000000b" : goto out_cali0000000000b }
        """.formatted(W));
  }

  @Test
  void remoteMembershipIsElementsOnly() {
    model.putLocal(local("cali0000000000a", "/local/a", List.of("10.0.0.1"), WEB, DB));
    pending();
    model.putMember("/remote/1", new Member(List.of(ip("10.1.0.9"), ip("fd00::9")), List.of(WEB)));
    assertThat(pending()).isEqualTo("""
        add element inet calyx g4_%1$s { 10.1.0.9 }
        add element inet calyx g6_%1$s { fd00::9 }
        """.formatted(W));
    model.putMember("/remote/1", new Member(List.of(ip("10.1.0.9")), List.of(DB)));
    assertThat(pending()).isEqualTo("""
        add element inet calyx g4_%2$s { 10.1.0.9 }
        delete element inet calyx g4_%1$s { 10.1.0.9 }
        delete element inet calyx g6_%1$s { fd00::9 }
        """.formatted(W, D));
    model.putMember("/remote/2", new Member(List.of(ip("10.1.0.9")), List.of(DB)));
    assertThat(pending()).as("an address two records claim is already there").isEmpty();
    model.removeMember("/remote/1");
    assertThat(pending()).as("still claimed by the other record").isEmpty();
    model.removeMember("/remote/2");
    assertThat(pending()).isEqualTo("delete element inet calyx g4_%s { 10.1.0.9 }\n".formatted(D));
    model.putMember("/remote/3", new Member(List.of(ip("10.1.0.7")), List.of(GroupName.of("unused"))));
    assertThat(pending()).as("no local profile names the group: no set to update").isEmpty();
  }

  @Test
  void aProfileEditRewritesOnlyItsChainsAndTheSetsItNames() {
    model.putLocal(local("cali0000000000a", "/local/a", List.of("10.0.0.1"), WEB));
    model.putMember("/remote/db", new Member(List.of(ip("10.1.0.5")), List.of(DB)));
    pending();
    model.putProfile(new Profile(WEB, List.of(Rule.allowFrom(WEB), Rule.allowFrom(DB)), List.of(Rule.allowAll())));
    assertThat(pending()).isEqualTo("""
        add set inet calyx g4_%2$s { type ipv4_addr; }
        add set inet calyx g6_%2$s { type ipv6_addr; }
        add element inet calyx g4_%2$s { 10.1.0.5 }
        flush chain inet calyx pi_%1$s
        add rule inet calyx pi_%1$s ip saddr @g4_%1$s accept
        add rule inet calyx pi_%1$s ip6 saddr @g6_%1$s accept
        add rule inet calyx pi_%1$s ip saddr @g4_%2$s accept
        add rule inet calyx pi_%1$s ip6 saddr @g6_%2$s accept
        """.formatted(W, D));
    model.removeProfile(WEB);
    assertThat(pending()).isEqualTo("""
        flush chain inet calyx pi_%1$s
        add rule inet calyx pi_%1$s ip saddr @g4_%1$s accept
        add rule inet calyx pi_%1$s ip6 saddr @g6_%1$s accept
        delete set inet calyx g4_%2$s
        delete set inet calyx g6_%2$s
        """.formatted(W, D));
    model.putProfile(new Profile(DB, List.of(), List.of()));
    assertThat(pending()).as("db is not used by a local endpoint").isEmpty();
  }

  @Test
  void removingTheLastEndpointLeavesOnlyTheBaseChains() {
    model.putMember("/remote/1", new Member(List.of(ip("10.1.0.9")), List.of(WEB)));
    model.putLocal(local("cali0000000000a", "/local/a", List.of("10.0.0.1"), WEB, GroupName.PUBLIC));
    pending();
    model.removeLocal("/local/a");
    String p = GroupName.PUBLIC.value();
    assertThat(pending()).isEqualTo("""
        delete element inet calyx endpoints_in { "cali0000000000a" }
        delete element inet calyx endpoints_out { "cali0000000000a" }
        delete chain inet calyx in_cali0000000000a
        delete chain inet calyx out_cali0000000000a
        delete chain inet calyx pi_%1$s
        delete chain inet calyx pi_%2$s
        delete chain inet calyx po_%1$s
        delete chain inet calyx po_%2$s
        delete set inet calyx g4_%1$s
        delete set inet calyx g6_%1$s
        """.formatted(W, Names.hash(GroupName.of(p))));
    assertThat(model.applied()).isEqualTo(new PolicyModel(List.of(5051, 53)).desired());
  }

  @Test
  void aRetriedAddWithOtherGroupsSwapsProfiles() {
    model.putLocal(local("cali0000000000a", "/local/a", List.of("10.0.0.1"), WEB));
    pending();
    model.putLocal(local("cali0000000000a", "/local/a", List.of("10.0.0.1"), DB));
    String s = pending();
    assertThat(s).contains("flush chain inet calyx in_cali0000000000a", "add rule inet calyx in_cali0000000000a jump pi_" + D,
        "delete chain inet calyx pi_" + W, "delete set inet calyx g4_" + W, "add element inet calyx g4_" + D + " { 10.0.0.1 }");
    assertThat(s.indexOf("add rule inet calyx in_cali0000000000a jump pi_" + D))
        .as("the endpoint chain stops jumping to web before web's chain goes").isLessThan(s.indexOf("delete chain inet calyx pi_" + W));
    assertThat(model.applied()).isEqualTo(model.recompute());
  }
}
