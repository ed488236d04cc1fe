package io.calyx.cni.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.core.HandleId;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VethNamesTest {
  @Test
  void hostSideNamesFitIfnamsizAndTellNestedContainersApart() {
    String parent = VethNames.hostSide(HandleId.parse("net:parent:eth0"));
    String child = VethNames.hostSide(HandleId.parse("net:parent.child:eth0"));
    assertThat(parent).matches("cali[0-9a-f]{11}").isNotEqualTo(child);
    assertThat(VethNames.hostSide(HandleId.parse("net:parent:eth0"))).isEqualTo(parent);
  }

  @Test
  void containerMacsAreLocallyAdministeredUnicastAndDeterministic() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      HandleId h = HandleId.parse("net:c" + i + ":eth0");
      String mac = VethNames.containerMac(h);
      assertThat(mac).matches("0a(:[0-9a-f]{2}){5}").isEqualTo(VethNames.containerMac(h));
      int first = Integer.parseInt(mac.substring(0, 2), 16);
      assertThat(first & 1).as("unicast").isZero();
      assertThat(first & 2).as("locally administered").isEqualTo(2);
      seen.add(mac);
    }
    assertThat(seen).hasSize(1000);
  }
}
