package io.calyx.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.Deadline;
import io.calyx.core.InvalidValueException;
import io.calyx.core.node.Node;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.datastore.etcd.EtcdTls;
import io.calyx.testkit.EtcdServer;
import io.calyx.testkit.NetnsExtension;
import io.calyx.testkit.TestCertificates;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The agent reaches an etcd that serves only TLS and demands client certificates, through its --etcd-* flags. */
class AgentEtcdTlsTest {
  private Path dir;

  @org.junit.jupiter.api.BeforeEach
  void workDir() throws java.io.IOException {
    dir = Files.createTempDirectory(Path.of("/tmp"), "cat");
  }

  @org.junit.jupiter.api.AfterEach
  void cleanUp() throws java.io.IOException {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static AgentConfig.Raw raw(String endpoint, TestCertificates c, Path dir, String dataplane) {
    return new AgentConfig.Raw(endpoint, c.caCert().toString(), c.clientCert().toString(), c.clientKey().toString(), "tls-node",
        dir.resolve("a.sock").toString(), "192.0.2.77", dir.resolve("state").toString(), null, null, null, false, dataplane);
  }

  @Test
  void registersItselfOverTlsWithItsClientCertificate() throws Exception {
    try (EtcdServer etcd = EtcdServer.startTls()) {
      TestCertificates certs = etcd.certificates().orElseThrow();
      NetnsExtension.NetnsFactory scratch = io.calyx.testkit.Host.isRoot() ? new NetnsExtension.NetnsFactory() : null;
      String dataplane = scratch == null ? null : scratch.create().path().toString();
      try (Agent agent = Agent.start(AgentConfig.validate(raw(etcd.endpoint(), certs, dir, dataplane), "x"));
          EtcdDatastore admin = EtcdDatastore.connect(List.of(URI.create(etcd.endpoint())),
              Optional.of(new EtcdTls(certs.caCert(), certs.clientCert(), certs.clientKey())))) {
        Deadline within = Deadline.in(Duration.ofSeconds(20), Clock.systemUTC());
        while (admin.get(Node.key("tls-node"), within).isEmpty() && within.remaining().toMillis() > 0) {
          Thread.sleep(100);
        }
        assertThat(admin.get(Node.key("tls-node"), within)).as("the agent's heartbeat reached etcd over TLS").isPresent();
      } finally {
        if (scratch != null) {
          scratch.close();
        }
      }
    }
  }

  @Test
  void tlsFlagsWithPlainHttpEndpointAreRefusedAtStart() throws Exception {
    TestCertificates certs = TestCertificates.generate(dir.resolve("pki"));
    assertThatThrownBy(() -> AgentConfig.validate(raw("http://127.0.0.1:2379", certs, dir, null), "x"))
        .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("--etcd-endpoints: ").hasMessageContaining("https://");
    AgentConfig ok = AgentConfig.validate(raw("https://127.0.0.1:2379", certs, dir, null), "x");
    assertThat(ok.etcdTls()).contains(new EtcdTls(certs.caCert(), certs.clientCert(), certs.clientKey()));
    Path garbage = Files.writeString(dir.resolve("garbage"), "not a key\n");
    assertThatThrownBy(() -> AgentConfig.validate(new AgentConfig.Raw("https://127.0.0.1:2379", certs.caCert().toString(),
        certs.clientCert().toString(), garbage.toString(), "n", null, null, null, null, null, null, false), "x"))
        .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("--etcd-key: ");
  }
}
