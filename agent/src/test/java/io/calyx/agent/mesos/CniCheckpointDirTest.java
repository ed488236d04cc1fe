package io.calyx.agent.mesos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CniCheckpointDirTest {
  private static final String TOP = "f0f97041-1860-4b4a-b279-91fec4e0ebd8";
  private static final String PARENT = "5d2c5a5b-4f6b-4f2e-9b36-6a8f1f1c2d3e";
  private static final String CHILD = "0e8b7c3a-2f1d-4c5b-8a9e-7d6c5b4a3f2e";

  @TempDir Path tmp;

  /** Lays out a container as the network/cni isolator does: ns, network.conf, one interface. */
  private static void checkpoint(Path root, String containerId, String network, String ifName) throws IOException {
    Path container = Files.createDirectories(root.resolve(containerId));
    Files.writeString(container.resolve("ns"), ""); // a bind mount of /proc/<pid>/ns/net in real life
    Path net = Files.createDirectories(container.resolve(network));
    Files.writeString(net.resolve("network.conf"), "{\"cniVersion\":\"0.2.0\",\"name\":\"" + network + "\",\"type\":\"calyx\"}");
    Path iface = Files.createDirectories(net.resolve(ifName));
    Files.writeString(iface.resolve("network.info"), "{\"ip4\":{\"ip\":\"10.244.0.5/32\"}}");
  }

  @Test
  void listsTopLevelAndNestedContainersAndIgnoresFiles() throws Exception {
    Path root = tmp.resolve("isolators/network/cni");
    checkpoint(root, TOP, "calyx", "eth0");
    checkpoint(root, PARENT, "calyx", "eth0");
    checkpoint(root, PARENT + "." + CHILD, "calyx", "eth0");
    checkpoint(root, PARENT + "." + CHILD, "other", "eth1");
    Files.writeString(root.resolve("stray.tmp"), "not a container");
    // A container whose last interface is gone but whose directory Mesos has not removed yet still counts.
    Files.createDirectories(root.resolve("a1b2c3d4-0000-4000-8000-000000000001"));

    assertThat(new CniCheckpointDir(root).containerIds())
        .containsExactlyInAnyOrder(TOP, PARENT, PARENT + "." + CHILD, "a1b2c3d4-0000-4000-8000-000000000001");
  }

  @Test
  void emptyRootHasNoContainers() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("cni"));
    assertThat(new CniCheckpointDir(root).containerIds()).isEmpty();
  }

  @Test
  void missingRootHasNoContainers() throws Exception {
    // After a reboot the tmpfs directory is gone, and so are the containers.
    assertThat(new CniCheckpointDir(tmp.resolve("var/run/mesos/isolators/network/cni")).containerIds()).isEmpty();
  }

  @Test
  void rootThatIsAFileIsAnError() throws Exception {
    Path root = Files.writeString(tmp.resolve("cni"), "x");
    assertThatThrownBy(() -> new CniCheckpointDir(root).containerIds())
        .isInstanceOf(MesosUnavailableException.class)
        .hasMessage("Mesos CNI checkpoint directory " + root + " cannot be read: not a directory");
  }

  @Test
  void rootBelowAFileIsAnError() throws Exception {
    Path file = Files.writeString(tmp.resolve("mesos"), "x");
    Path root = file.resolve("isolators/network/cni");
    assertThatThrownBy(() -> new CniCheckpointDir(root).containerIds())
        .isInstanceOf(MesosUnavailableException.class)
        .hasMessage("Mesos CNI checkpoint directory " + root + " cannot be read: " + file + " is not a directory");
  }

  @Test
  void unreadableRootIsAnError() throws Exception {
    assumeFalse("root".equals(System.getProperty("user.name")), "root reads any directory");
    Path root = Files.createDirectories(tmp.resolve("cni"));
    checkpoint(root, TOP, "calyx", "eth0");
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("-wx------"));
    try {
      assertThatThrownBy(() -> new CniCheckpointDir(root).containerIds())
          .isInstanceOf(MesosUnavailableException.class)
          .hasMessage("Mesos CNI checkpoint directory " + root + " cannot be read: permission denied");
    } finally {
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void defaultRootIsMesosDefault() {
    assertThat(CniCheckpointDir.DEFAULT_ROOT).isEqualTo(Path.of("/var/run/mesos/isolators/network/cni"));
  }
}
