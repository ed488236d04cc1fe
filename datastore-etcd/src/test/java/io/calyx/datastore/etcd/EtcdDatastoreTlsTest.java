package io.calyx.datastore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.Deadline;
import io.calyx.core.InvalidValueException;
import io.calyx.core.store.DatastoreUnavailableException;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import io.calyx.testkit.EtcdServer;
import io.calyx.testkit.TestCertificates;
import io.calyx.testkit.TlsEtcdExtension;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A real etcd that serves only TLS and demands client certificates ({@code --client-cert-auth}). */
@ExtendWith(TlsEtcdExtension.class)
class EtcdDatastoreTlsTest {
  private static EtcdServer etcd;
  private static TestCertificates certs;

  @BeforeAll
  static void certificates(EtcdServer server) {
    etcd = server;
    certs = server.certificates().orElseThrow();
  }

  private static Deadline soon() {
    return Deadline.in(Duration.ofSeconds(5), Clock.systemUTC());
  }

  private static List<URI> endpoints() {
    return List.of(URI.create(etcd.endpoint()));
  }

  @Test
  void clientCertificateOpensTheStore() {
    try (EtcdDatastore store = EtcdDatastore.connect(endpoints(), Optional.of(new EtcdTls(certs.caCert(), certs.clientCert(), certs.clientKey())))) {
      store.txn(new Txn(List.of(), List.of(Op.put("/tls/a", "1".getBytes(StandardCharsets.UTF_8)))), soon());
      assertThat(store.get("/tls/a", soon())).hasValueSatisfying(kv -> assertThat(new String(kv.value(), StandardCharsets.UTF_8)).isEqualTo("1"));
    }
  }

  @Test
  void pkcs1RsaKeyAsCfsslWritesItWorksToo() {
    try (EtcdDatastore store = EtcdDatastore.connect(endpoints(),
        Optional.of(new EtcdTls(certs.caCert(), certs.clientCert(), certs.clientKeyPkcs1())))) {
      assertThat(store.list("/tls/", soon()).kvs()).isNotNull();
    }
  }

  @Test
  void certificateOfAnotherCaIsRefusedByEtcd() {
    try (EtcdDatastore store = EtcdDatastore.connect(endpoints(),
        Optional.of(new EtcdTls(certs.caCert(), certs.strangerCert(), certs.strangerKey())))) {
      assertThatThrownBy(() -> store.get("/tls/a", soon())).isInstanceOf(DatastoreUnavailableException.class)
          .hasMessageContaining(etcd.endpoint());
    }
  }

  @Test
  void withoutClientCertificateEtcdAnswersNothing() {
    try (EtcdDatastore store = EtcdDatastore.connect(endpoints())) {
      assertThatThrownBy(() -> store.get("/tls/a", soon())).isInstanceOf(DatastoreUnavailableException.class);
    }
  }

  @Test
  void plainHttpEndpointWithTlsIsRefusedUpFront() {
    EtcdTls tls = new EtcdTls(certs.caCert(), certs.clientCert(), certs.clientKey());
    assertThatThrownBy(() -> EtcdDatastore.connect(List.of(URI.create("http://127.0.0.1:2379")), Optional.of(tls)))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("--etcd-endpoints").hasMessageContaining("https://");
    assertThatThrownBy(() -> EtcdDatastore.connect(List.of(URI.create("https://127.0.0.1:1"), URI.create("http://127.0.0.1:2")), Optional.empty()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("mixes");
  }

  @Test
  void unusableFilesNameTheirFlag() throws Exception {
    Path notAKey = Files.writeString(certs.dir().resolve("garbage.pem"), "hello\n");
    assertThatThrownBy(() -> new EtcdTls(certs.caCert(), certs.clientCert(), notAKey).sslContext())
        .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("--etcd-key: ");
    assertThatThrownBy(() -> new EtcdTls(notAKey, certs.clientCert(), certs.clientKey()).sslContext())
        .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("--etcd-cacert: ");
    assertThatThrownBy(() -> new EtcdTls(certs.caCert(), certs.dir().resolve("missing.pem"), certs.clientKey()).sslContext())
        .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("--etcd-cert: ");
  }
}
