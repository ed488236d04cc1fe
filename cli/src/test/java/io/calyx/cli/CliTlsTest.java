package io.calyx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.testkit.EtcdServer;
import io.calyx.testkit.TestCertificates;
import io.calyx.testkit.TlsEtcdExtension;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** calyxctl against an etcd that serves only TLS and demands a client certificate. */
@ExtendWith(TlsEtcdExtension.class)
class CliTlsTest {
  private static EtcdServer etcd;
  private static TestCertificates certs;

  @BeforeAll
  static void certificates(EtcdServer server) {
    etcd = server;
    certs = server.certificates().orElseThrow();
  }

  private static CalyxCtlTest.Run ctl(String cert, String key, String... args) {
    String[] all = new String[args.length + 8];
    System.arraycopy(new String[] {"--etcd-endpoints", etcd.endpoint(), "--etcd-cacert", certs.caCert().toString(),
        "--etcd-cert", cert, "--etcd-key", key}, 0, all, 0, 8);
    System.arraycopy(args, 0, all, 8, args.length);
    return CalyxCtlTest.run(all);
  }

  @Test
  void commandsWorkWithTheClientCertificate() {
    CalyxCtlTest.Run add = ctl(certs.clientCert().toString(), certs.clientKey().toString(), "pool", "add", "10.91.0.0/16");
    assertThat(add.code()).as(add.err()).isZero();
    CalyxCtlTest.Run list = ctl(certs.clientCert().toString(), certs.clientKeyPkcs1().toString(), "pool", "list");
    assertThat(list.code()).as(list.err()).isZero();
    assertThat(list.out()).contains("10.91.0.0/16");
  }

  @Test
  void aCertificateEtcdDoesNotTrustIsOneLineAndExit1() {
    long start = System.nanoTime();
    CalyxCtlTest.Run r = ctl(certs.strangerCert().toString(), certs.strangerKey().toString(), "pool", "list");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().lines()).singleElement().asString().startsWith("calyxctl: etcd at [" + etcd.endpoint() + "]");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void tlsMisconfigurationsAreOneLine() {
    CalyxCtlTest.Run http = CalyxCtlTest.run("--etcd-endpoints", "http://127.0.0.1:2379", "--etcd-cacert", certs.caCert().toString(),
        "--etcd-cert", certs.clientCert().toString(), "--etcd-key", certs.clientKey().toString(), "pool", "list");
    assertThat(http.code()).isEqualTo(1);
    assertThat(http.err().lines()).singleElement().asString().contains("--etcd-endpoints").contains("use https:// endpoints with TLS");
    CalyxCtlTest.Run partial = CalyxCtlTest.run("--etcd-endpoints", etcd.endpoint(), "--etcd-cacert", certs.caCert().toString(), "pool", "list");
    assertThat(partial.code()).isEqualTo(2);
    assertThat(partial.err().lines()).containsExactly("calyxctl: --etcd-cacert, --etcd-cert and --etcd-key go together");
    CalyxCtlTest.Run badKey = ctl(certs.clientCert().toString(), certs.caCert().toString(), "pool", "list");
    assertThat(badKey.code()).isEqualTo(1);
    assertThat(badKey.err().lines()).singleElement().asString().startsWith("calyxctl: --etcd-key: ");
  }
}
