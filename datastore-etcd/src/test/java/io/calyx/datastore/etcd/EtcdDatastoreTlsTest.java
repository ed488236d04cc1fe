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
  void sec1EcKeyAsOpensslEcparamWritesItWorksToo() {
    try (EtcdDatastore store = EtcdDatastore.connect(endpoints(),
        Optional.of(new EtcdTls(certs.caCert(), certs.clientEcCert(), certs.clientEcKeySec1())))) {
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
    // An EC key whose DER is cut short, and one without its curve: a clear refusal, never a stack trace.
    byte[] sec1 = java.util.Base64.getMimeDecoder().decode(Files.readString(certs.clientEcKeySec1())
        .replaceAll("-----[A-Z ]+-----", "").strip());
    for (byte[] broken : java.util.List.of(java.util.Arrays.copyOf(sec1, sec1.length / 2), withoutCurve(sec1))) {
      Path key = Files.writeString(certs.dir().resolve("broken-ec.pem"), "-----BEGIN EC PRIVATE KEY-----\n"
          + java.util.Base64.getMimeEncoder().encodeToString(broken) + "\n-----END EC PRIVATE KEY-----\n");
      assertThatThrownBy(() -> new EtcdTls(certs.caCert(), certs.clientEcCert(), key).sslContext())
          .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("--etcd-key: ").hasMessageContaining("(SEC1 with its named curve)");
    }
  }

  /** The SEC1 sequence with its [0] (named curve) element dropped; openssl writes it right after the key octets. */
  private static byte[] withoutCurve(byte[] sec1) {
    int at = 2 + (sec1[1] & 0x80) / 0x80 * (sec1[1] & 0x7f); // past the outer header
    at += 3; // version INTEGER 1
    at += 2 + (sec1[at + 1] & 0xff); // the private key OCTET STRING
    int curveLength = 2 + (sec1[at + 1] & 0xff);
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    int start = 2 + (sec1[1] & 0x80) / 0x80 * (sec1[1] & 0x7f);
    body.write(sec1, start, at - start);
    body.write(sec1, at + curveLength, sec1.length - at - curveLength);
    byte[] b = body.toByteArray();
    byte[] out = new byte[2 + b.length];
    out[0] = 0x30;
    out[1] = (byte) b.length;
    System.arraycopy(b, 0, out, 2, b.length);
    return out;
  }
}
