package io.calyx.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Gives a test class a real etcd, shared by its tests and stopped after the last one:
 *
 * <pre>
 * {@literal @}ExtendWith(EtcdExtension.class)
 * class MyIT {
 *   {@literal @}Test void works(Etcd etcd) { ... etcd.endpoint() ... }
 * }
 * </pre>
 *
 * It starts the {@code etcd} binary from PATH (Debian: {@code apt-get install etcd-server}) on a free
 * loopback port; where there is none but a Docker engine runs, etcd in a container; otherwise the tests are
 * skipped with the reason. Tests share the server, so each should use its own key prefix.
 */
public final class EtcdExtension extends PerClass.Extension<Etcd> {
  public EtcdExtension() {
    super(Etcd.class, EtcdExtension::launch);
  }

  private static Etcd launch() throws IOException {
    Optional<Path> binary = Host.which("etcd");
    if (binary.isPresent()) {
      return EtcdServer.start(binary.get());
    }
    if (ContainerEtcd.dockerAvailable()) {
      return ContainerEtcd.start();
    }
    Assumptions.abort("needs etcd: no etcd binary on PATH (apt-get install etcd-server) and no Docker engine");
    throw new AssertionError("unreachable");
  }
}
