package io.calyx.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.core.net.IpPrefix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeysTest {
  @ParameterizedTest
  @ValueSource(strings = {"10.244.0.0/26", "10.0.0.252/30", "192.168.7.0/24", "fd00:44::/122", "fd00:0:0:ffff:ffff:ffff:ffff:ffc0/122"})
  void anAffinityKeyNamesItsBlock(String cidr) {
    IpPrefix block = IpPrefix.parseNetwork("c", cidr);
    assertThat(Keys.blockOfAffinity(Keys.affinity("node-1.example.com", block))).contains(block);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/calyx/v1/ipam/affinities/h1/10.0.0.0", "/calyx/v1/ipam/affinities/h1/10.0.0.1-30",
      "/calyx/v1/ipam/affinities/h1/x-26", "/calyx/v1/ipam/affinities/h1/10.0.0.0-", "/calyx/v1/ipam/affinities/h1/",
      "/calyx/v1/ipam/blocks/10.0.0.0-26", ""})
  void aKeyThatIsNoWellFormedAffinityKeyNamesNoBlock(String key) {
    assertThat(Keys.blockOfAffinity(key)).isEmpty();
  }
}
