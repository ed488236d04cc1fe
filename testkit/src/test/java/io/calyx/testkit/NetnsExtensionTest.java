package io.calyx.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.testkit.NetnsExtension.NetnsFactory;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NetnsExtension.class)
class NetnsExtensionTest {
  @Test
  void givesAFreshNamespaceWithLoopbackUp(Netns ns) {
    assertThat(Files.exists(ns.path())).isTrue();
    Commands.Output links = ns.exec("ip", "-o", "link", "show");
    assertThat(links.stdout().lines()).hasSize(1);
    assertThat(links.stdout()).contains("lo:").contains("UP");
  }

  @Test
  void factoryDeletesEveryNamespaceItCreated(NetnsFactory factory) {
    Netns a = factory.create();
    Netns b = factory.create();
    assertThat(a).isNotEqualTo(b);
    assertThat(names()).contains(a.name(), b.name());
    factory.close();
    assertThat(names()).doesNotContain(a.name(), b.name());
    assertThat(Files.exists(a.path())).isFalse();
  }

  private static List<String> names() {
    return Commands.check(List.of("ip", "netns", "list")).stdout().lines().map(l -> l.split(" ")[0]).toList();
  }
}
