package io.calyx.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.InvalidValueException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpPrefixTest {
  @Test
  void parsesInterfaceAddressesAndNetworks() {
    IpPrefix p = IpPrefix.parse("f", "10.244.3.17/26");
    assertThat(p.length()).isEqualTo(26);
    assertThat(p.network().toString()).isEqualTo("10.244.3.0/26");
    assertThat(p.isNetwork()).isFalse();
    assertThat(IpPrefix.parseNetwork("f", "fd00:1::/64").toString()).isEqualTo("fd00:1::/64");
  }

  @Test
  void networkRefusesHostBitsAndSuggestsTheNetwork() {
    assertThatThrownBy(() -> IpPrefix.parseNetwork("ipam.pools[0]", "10.244.0.1/16"))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("10.244.0.0/16");
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/1a", "fd00::/129", "/8", "10.0.0.0/0008"})
  void refusesBadCidrs(String in) {
    assertThatThrownBy(() -> IpPrefix.parse("f", in)).isInstanceOf(InvalidValueException.class);
  }

  /** contains() compares bits in place; it must agree with "same network after clearing the host bits". */
  @Test
  void containsAgreesWithComparingNetworksForRandomPrefixesAndAddresses() {
    java.util.Random random = new java.util.Random(20261121);
    for (int i = 0; i < 20_000; i++) {
      int size = random.nextBoolean() ? 4 : 16;
      byte[] a = new byte[size];
      random.nextBytes(a);
      byte[] b = a.clone();
      // Flip one bit somewhere (or none), so that most pairs share a long prefix.
      int flip = random.nextInt(size * 8 + 1);
      if (flip < size * 8) {
        b[flip / 8] ^= (byte) (0x80 >>> (flip % 8));
      }
      int length = random.nextInt(size * 8 + 1);
      IpPrefix prefix = new IpPrefix(IpAddress.ofBytes(a), length);
      IpAddress ip = random.nextInt(20) == 0 ? IpAddress.ofBytes(new byte[20 - size]) : IpAddress.ofBytes(b);
      boolean expected = ip.family() == prefix.family()
          && new IpPrefix(ip, length).network().address().equals(prefix.network().address());
      assertThat(prefix.contains(ip)).as("%s contains %s", prefix, ip).isEqualTo(expected);
    }
  }

  @Test
  void containsChecksFamilyAndBits() {
    IpPrefix net = IpPrefix.parseNetwork("f", "10.244.0.0/16");
    assertThat(net.contains(IpAddress.parse("f", "10.244.255.1"))).isTrue();
    assertThat(net.contains(IpAddress.parse("f", "10.245.0.1"))).isFalse();
    assertThat(net.contains(IpAddress.parse("f", "::1"))).isFalse();
    assertThat(IpPrefix.host(IpAddress.parse("f", "fd00::5")).toString()).isEqualTo("fd00::5/128");
  }

  /** equals and hashCode are written out (for speed); they must still mean "same address, same length". */
  @Test
  void equalityIsAddressAndLength() {
    IpPrefix a = IpPrefix.parseNetwork("f", "10.1.2.0/24");
    assertThat(a).isEqualTo(IpPrefix.parseNetwork("f", "10.1.2.0/24")).hasSameHashCodeAs(IpPrefix.parseNetwork("f", "10.1.2.0/24"));
    assertThat(a).isNotEqualTo(IpPrefix.parseNetwork("f", "10.1.2.0/25"))
        .isNotEqualTo(IpPrefix.parseNetwork("f", "10.1.3.0/24"))
        .isNotEqualTo(IpPrefix.parseNetwork("f", "::/24"))
        .isNotEqualTo("10.1.2.0/24");
    java.util.Set<IpPrefix> set = new java.util.HashSet<>(java.util.List.of(a, IpPrefix.parse("f", "10.1.2.7/24")));
    assertThat(set).hasSize(2).contains(IpPrefix.parse("f", "10.1.2.7/24"));
  }
}
