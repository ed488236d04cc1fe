package io.calyx.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentifiersTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "3f9c1a52-7d0e-4a8b-9c55-2b1e6f0d4a77",
        "3f9c1a52-7d0e-4a8b-9c55-2b1e6f0d4a77.9b2d6e10-55aa-4c1e-8f0b-0d1c2e3f4a5b",
        "a",
        "A_b.c-d"
      })
  void acceptsSpecContainerIds(String id) {
    assertThat(ContainerId.of(id).value()).isEqualTo(id);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-abc", ".abc", "a b", "a/b", "a;rm -rf", "ab\n", "ü", "a$b"})
  void refusesOtherContainerIds(String id) {
    assertThatThrownBy(() -> ContainerId.of(id))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageStartingWith("CNI_CONTAINERID: ");
  }

  @org.junit.jupiter.api.Test
  void refusesOverlongContainerIdWithoutEchoingIt() {
    String id = "a".repeat(ContainerId.MAX_LENGTH + 1);
    assertThatThrownBy(() -> ContainerId.of(id)).hasMessageNotContaining(id);
  }

  @ParameterizedTest
  @ValueSource(strings = {"eth0", "eth1", "net1", "123456789012345"})
  void acceptsInterfaceNames(String name) {
    assertThat(InterfaceName.of(name).value()).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", "eth/0", "eth:0", "eth 0", "1234567890123456", "e\tx", "ééééééééé"})
  void refusesInterfaceNames(String name) {
    assertThatThrownBy(() -> InterfaceName.of(name))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageStartingWith("CNI_IFNAME: ");
  }

  @ParameterizedTest
  @ValueSource(strings = {"prod", "front-end", "a.b_c", "public", "X"})
  void acceptsGroupNames(String name) {
    assertThat(GroupName.of(name).value()).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "a;b", "a\"b", "grp}", "ü", "a/b"})
  void refusesGroupNames(String name) {
    assertThatThrownBy(() -> GroupName.of(name)).isInstanceOf(InvalidValueException.class);
  }

  @org.junit.jupiter.api.Test
  void groupNamesAreAtMost63Characters() {
    assertThat(GroupName.of("g".repeat(63)).value()).hasSize(63);
    assertThatThrownBy(() -> GroupName.of("g".repeat(64))).isInstanceOf(InvalidValueException.class);
  }

  @org.junit.jupiter.api.Test
  void quoteEscapesControlCharactersAndCutsLongValues() {
    assertThat(InvalidValueException.quote("a\"b\n")).isEqualTo("\"a\\\"b\\u000a\"");
    assertThat(InvalidValueException.quote("x".repeat(100))).isEqualTo("\"" + "x".repeat(64) + "\"...(100 chars)");
    assertThat(InvalidValueException.quote(null)).isEqualTo("null");
  }

  /** HandleId's equals and hashCode are written out (for speed); they must still compare all three parts. */
  @Test
  void handlesAreEqualExactlyWhenAllThreePartsAre() {
    HandleId h = HandleId.parse("net:c1:eth0");
    assertThat(h).isEqualTo(HandleId.parse("net:c1:eth0")).hasSameHashCodeAs(HandleId.parse("net:c1:eth0"));
    assertThat(h).isNotEqualTo(HandleId.parse("net2:c1:eth0"))
        .isNotEqualTo(HandleId.parse("net:c2:eth0"))
        .isNotEqualTo(HandleId.parse("net:c1:eth1"))
        .isNotEqualTo("net:c1:eth0");
    // Parts that concatenate alike must not collide in equality.
    assertThat(HandleId.parse("ab:c:eth0")).isNotEqualTo(HandleId.parse("a:bc:eth0"));
  }
}
