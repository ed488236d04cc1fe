package io.calyx.core.mesos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.GroupName;
import io.calyx.core.InvalidValueException;
import io.calyx.core.NetworkName;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GroupResolverTest {
  private static final NetworkName NET = NetworkName.of("ipc-net");

  private static NetworkInfo info(List<String> groups, Label... labels) {
    return new NetworkInfo(Optional.of("ipc-net"), List.of(labels), groups, List.of(), List.of());
  }

  private static List<String> names(List<GroupName> groups) {
    return groups.stream().map(GroupName::value).toList();
  }

  @Test
  void groupsWinOverTheLabel() {
    assertThat(names(GroupResolver.resolve(info(List.of("prod", "frontend"), Label.of("calyx.groups", "qa")), NET)))
        .containsExactly("prod", "frontend");
  }

  @Test
  void labelIsCommaSeparatedAndTrimmed() {
    assertThat(names(GroupResolver.resolve(info(List.of(), Label.of("calyx.groups", " web , api,,web")), NET)))
        .containsExactly("web", "api");
  }

  @Test
  void networkNameWhenNeither() {
    assertThat(names(GroupResolver.resolve(info(List.of()), NET))).containsExactly("ipc-net");
    assertThat(names(GroupResolver.resolve(info(List.of(), Label.of("calyx.groups", null)), NET))).containsExactly("ipc-net");
  }

  @Test
  void labelIsReadRawSoAnInvalidNameIsRefusedNotSanitised() {
    assertThatThrownBy(() -> GroupResolver.resolve(info(List.of(), Label.of("calyx.groups", "web,a b")), NET))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageStartingWith("label calyx.groups: invalid group name \"a b\"");
    assertThatThrownBy(() -> GroupResolver.resolve(info(List.of("ok", "x;y")), NET))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageStartingWith("network_info.groups: ");
  }
}
