package io.calyx.testkit;

import java.time.Duration;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * etcd in a container, for machines that have a Docker engine but no etcd binary. Stopping pauses the
 * container, so data and endpoint survive a resume.
 */
final class ContainerEtcd implements Etcd {
  static final String IMAGE = "gcr.io/etcd-development/etcd:v3.5.17";
  private final GenericContainer<?> container;

  private ContainerEtcd(GenericContainer<?> container) {
    this.container = container;
  }

  static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  @SuppressWarnings("resource")
  static ContainerEtcd start() {
    GenericContainer<?> c =
        new GenericContainer<>(IMAGE)
            .withExposedPorts(2379)
            .withCommand(
                "etcd", "--listen-client-urls", "http://0.0.0.0:2379", "--advertise-client-urls", "http://0.0.0.0:2379",
                "--auto-compaction-mode", "revision", "--auto-compaction-retention", "1000")
            .waitingFor(Wait.forHttp("/health").forPort(2379).withStartupTimeout(Duration.ofSeconds(60)));
    c.start();
    return new ContainerEtcd(c);
  }

  @Override
  public String endpoint() {
    return "http://" + container.getHost() + ":" + container.getMappedPort(2379);
  }

  @Override
  public void stop() {
    container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
  }

  @Override
  public void resume() {
    container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
  }

  @Override
  public void close() {
    container.stop();
  }
}
