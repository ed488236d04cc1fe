package io.calyx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.calyx.core.Deadline;
import io.calyx.core.GroupName;
import io.calyx.core.policy.Profile;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.policy.store.Profiles;
import io.calyx.testkit.Etcd;
import io.calyx.testkit.EtcdExtension;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code calyxctl profile list/show/rule} against a real etcd, read back through the policy module's store. */
@ExtendWith(EtcdExtension.class)
class CliProfileTest {
  private static CalyxCtlTest.Run ctl(Etcd etcd, String... args) {
    return CalyxCtlTest.against(etcd, args);
  }

  private static Deadline soon() {
    return Deadline.in(Duration.ofSeconds(10), Clock.systemUTC());
  }

  private static Profile stored(Etcd etcd, String name) {
    try (EtcdDatastore store = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())))) {
      return new Profiles(store).get(GroupName.of(name), soon()).orElseThrow();
    }
  }

  @Test
  void rulesAreAddedShownAndRemovedAndTheStoredDocumentIsWhatAgentsRead(Etcd etcd) throws Exception {
    CalyxCtlTest.Run add = ctl(etcd, "profile", "rule", "add", "pf-web", "--ingress", "--protocol", "tcp", "--port", "80,8000-8080",
        "--from-net", "10.0.0.0/8,fd00::/64");
    assertThat(add.code()).as(add.err()).isZero();
    assertThat(add.out()).isEqualTo("added ingress rule 2 to profile pf-web: allow tcp port 80,8000-8080 from 10.0.0.0/8,fd00::/64 to any\n");
    CalyxCtlTest.Run deny = ctl(etcd, "profile", "rule", "add", "pf-web", "--egress", "--action", "deny", "--to-net", "169.254.169.254/32", "--at", "1");
    assertThat(deny.code()).as(deny.err()).isZero();
    assertThat(ctl(etcd, "profile", "rule", "add", "pf-web", "--ingress", "--action", "DENY", "--protocol", "udp", "--port", "53",
        "--from-group", "pf-db").code()).isZero();

    Profile p = stored(etcd, "pf-web");
    assertThat(p.ingress()).hasSize(3);
    assertThat(p.ingress().getFirst()).as("created from the default first").isEqualTo(io.calyx.core.policy.Rule.allowFrom(GroupName.of("pf-web")));
    assertThat(p.egress()).hasSize(2);
    assertThat(p.egress().getFirst().action()).isEqualTo(io.calyx.core.policy.Rule.Action.DENY);

    CalyxCtlTest.Run show = ctl(etcd, "profile", "show", "pf-web");
    assertThat(show.code()).as(show.err()).isZero();
    assertThat(show.out()).isEqualTo("""
        Profile pf-web

        Ingress (to members):
        #  ACTION  PROTOCOL  PORTS         SOURCE                DESTINATION
        1  allow   any       any           group pf-web          any
        2  allow   tcp       80,8000-8080  10.0.0.0/8,fd00::/64  any
        3  deny    udp       53            group pf-db           any

        Egress (from members):
        #  ACTION  PROTOCOL  PORTS  SOURCE  DESTINATION
        1  deny    any       any    any     169.254.169.254/32
        2  allow   any       any    any     any
        """);
    JsonNode json = Json.MAPPER.readTree(ctl(etcd, "profile", "show", "pf-web", "-o", "json").out());
    assertThat(json.get("ingress").get(1).get("ports").get(1).textValue()).isEqualTo("8000-8080");
    assertThat(json.get("egress").get(0).get("destination").get("nets").get(0).textValue()).isEqualTo("169.254.169.254/32");

    CalyxCtlTest.Run list = ctl(etcd, "profile", "list");
    assertThat(list.out()).containsPattern("NAME +INGRESS +EGRESS +MEMBERS\n").containsPattern("\npf-web +3 +2 +0\n");
    JsonNode listed = Json.MAPPER.readTree(ctl(etcd, "profile", "list", "-o", "json").out());
    assertThat(listed.findValuesAsText("name")).contains("pf-web");

    CalyxCtlTest.Run byNumber = ctl(etcd, "profile", "rule", "remove", "pf-web", "--ingress", "3");
    assertThat(byNumber.code()).as(byNumber.err()).isZero();
    assertThat(byNumber.out()).isEqualTo("removed ingress rule 3 from profile pf-web: deny udp port 53 from group pf-db to any\n");
    CalyxCtlTest.Run bySpelling = ctl(etcd, "profile", "rule", "remove", "pf-web", "--egress", "--action", "allow");
    assertThat(bySpelling.code()).as(bySpelling.err()).isZero();
    assertThat(bySpelling.out()).isEqualTo("removed egress rule 2 from profile pf-web: allow any from any to any\n");
    assertThat(stored(etcd, "pf-web").egress()).hasSize(1);
    assertThat(stored(etcd, "pf-web").ingress()).hasSize(2);
  }

  @Test
  void badInputIsOneLineAndChangesNothing(Etcd etcd) {
    assertThat(ctl(etcd, "profile", "rule", "add", "pf-bad", "--ingress").code()).isZero();
    byte[] before = ProfilesBytes.of(etcd, "pf-bad");
    String[][] userErrors = {
        {"profile", "rule", "add", "pf-bad", "--ingress", "--port", "80"},
        {"profile", "rule", "add", "pf-bad", "--ingress", "--protocol", "tcp", "--port", "0-70000"},
        {"profile", "rule", "add", "pf-bad", "--ingress", "--from-group", "no spaces; drop table"},
        {"profile", "rule", "add", "pf-bad", "--ingress", "--from-net", "10.0.0.1/8"},
        {"profile", "rule", "add", "pf-bad", "--ingress", "--from-net", "10.0.0.0/8", "--to-net", "fd00::/64"},
        {"profile", "rule", "add", "pf-bad", "--ingress", "--at", "9"},
        {"profile", "rule", "add", "bad/name", "--ingress"},
        {"profile", "rule", "remove", "pf-bad", "--ingress", "7"},
        {"profile", "rule", "remove", "pf-bad", "--egress", "--protocol", "icmp"},
        {"profile", "rule", "remove", "pf-never", "--egress", "1"},
        {"profile", "show", "pf-never"},
        {"profile", "show", "x".repeat(64)}};
    for (String[] args : userErrors) {
      CalyxCtlTest.Run r = ctl(etcd, args);
      assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(1);
      assertThat(r.err().lines()).as(String.join(" ", args)).singleElement().asString().startsWith("calyxctl: ");
    }
    assertThat(ctl(etcd, "profile", "show", "pf-never").err()).isEqualTo("calyxctl: no profile pf-never (calyxctl profile list)\n");
    assertThat(ctl(etcd, "profile", "rule", "add", "pf-bad", "--ingress", "--from-group", "a b").err())
        .isEqualTo("calyxctl: --from-group: invalid group name \"a b\": a group name is 1-63 characters of A-Z a-z 0-9 _ . -\n");
    String[][] usageErrors = {
        {"profile", "rule", "add", "pf-bad"},
        {"profile", "rule", "add", "pf-bad", "--ingress", "--egress"},
        {"profile", "rule", "add", "pf-bad", "--ingress", "--action", "maybe"},
        {"profile", "rule", "add", "pf-bad", "--ingress", "--from-group", "a", "--from-net", "10.0.0.0/8"},
        {"profile", "rule", "remove", "pf-bad", "--ingress"},
        {"profile", "rule", "remove", "pf-bad", "--ingress", "1", "--protocol", "tcp"},
        {"profile", "rule"},
        {"profile"}};
    for (String[] args : usageErrors) {
      CalyxCtlTest.Run r = ctl(etcd, args);
      assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
    }
    assertThat(ProfilesBytes.of(etcd, "pf-bad")).isEqualTo(before);
  }

  /** The stored bytes of a profile, to show a refused edit wrote nothing. */
  private static final class ProfilesBytes {
    static byte[] of(Etcd etcd, String name) {
      try (EtcdDatastore store = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())))) {
        return store.get(Profiles.key(GroupName.of(name)), soon()).orElseThrow().value();
      }
    }
  }
}
