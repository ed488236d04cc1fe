package io.calyx.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.InvalidValueException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {
  @ParameterizedTest
  @CsvSource({
    "10.0.0.1, 10.0.0.1, V4",
    "255.255.255.255, 255.255.255.255, V4",
    "fd00::5, fd00::5, V6",
    "FD00:0:0:0:0:0:0:5, fd00::5, V6",
    "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1, V6",
    "::, ::, V6",
    "::1, ::1, V6",
    "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1, V6",
    "fe80::1:0:0:0, fe80::1:0:0:0, V6",
    "fe80:0:0:1:0:0:0:0, fe80:0:0:1::, V6"
  })
  void parsesAndPrintsCanonically(String in, String out, IpFamily family) {
    IpAddress ip = IpAddress.parse("f", in);
    assertThat(ip.toString()).isEqualTo(out);
    assertThat(ip.family()).isEqualTo(family);
    assertThat(IpAddress.parse("f", out)).isEqualTo(ip);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "localhost", "example.com", "10.0.0", "10.0.0.256", "1.2.3.4.5", "fe80::1%eth0", ":::", "10.0.0.1/32", " 10.0.0.1", "010.0.0.1", "0x1.0.0.1", "::ffff:10.0.0.1"})
  void refusesNonLiterals(String in) {
    assertThatThrownBy(() -> IpAddress.parse("ipam.x", in))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageStartingWith("ipam.x: ");
  }

  @Test
  void ordersV4BeforeV6AndNumerically() {
    assertThat(IpAddress.parse("f", "10.0.0.2")).isGreaterThan(IpAddress.parse("f", "10.0.0.1"));
    assertThat(IpAddress.parse("f", "10.0.1.0")).isGreaterThan(IpAddress.parse("f", "10.0.0.255"));
    assertThat(IpAddress.parse("f", "::1")).isGreaterThan(IpAddress.parse("f", "255.255.255.255"));
  }
}
