package io.calyx.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real etcd for tests: the {@code etcd} binary (Debian's {@code etcd-server}) on free loopback ports with
 * a temporary data directory, auto-compaction on, removed again on {@link #close()}. It can be stopped and
 * started again on the same ports and data (for datastore-outage tests).
 */
public final class EtcdServer implements Etcd {

  private final Path binary;
  private final Path dataDir;
  private final int clientPort;
  private final int peerPort;
  private final Optional<TestCertificates> tls;
  private final int metricsPort;
  /** The certificates' directory when {@link #startTls()} made it: removed with the data. */
  private Path ownedPki;
  private Process process;

  private EtcdServer(Path binary, Path dataDir, int clientPort, int peerPort, Optional<TestCertificates> tls) {
    this.binary = binary;
    this.dataDir = dataDir;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.tls = tls;
    this.metricsPort = Host.freeLoopbackPort();
  }

  /** Starts etcd from {@code binary}; fails if it is not healthy within 30 s. */
  public static EtcdServer start(Path binary) throws IOException {
    return start(binary, Optional.empty());
  }

  /**
   * Starts etcd serving clients over TLS only ({@code https://}), with {@code --client-cert-auth}: a client
   * must present a certificate signed by {@code certs}' CA. Health is probed on a plain metrics port.
   */
  public static EtcdServer startTls(Path binary, TestCertificates certs) throws IOException {
    return start(binary, Optional.of(certs));
  }

  /** The {@code etcd} binary on PATH; skips the calling test when there is none. */
  public static Path binaryOrSkip() {
    Path binary = Host.which("etcd").orElse(null);
    Assumptions.assumeTrue(binary != null, "needs the etcd binary (apt-get install etcd-server)");
    return binary;
  }

  /** A TLS etcd from the {@code etcd} binary on PATH, with certificates generated in a temporary directory; skips without etcd or openssl. */
  public static EtcdServer startTls() throws IOException {
    Path binary = binaryOrSkip();
    Path pki = Files.createTempDirectory("calyx-etcd-pki-");
    EtcdServer server = startTls(binary, TestCertificates.generate(pki));
    server.ownedPki = pki;
    return server;
  }

  /** The certificates of a TLS server. */
  public Optional<TestCertificates> certificates() {
    return tls;
  }

  private static EtcdServer start(Path binary, Optional<TestCertificates> tls) throws IOException {
    Path dir = Files.createTempDirectory("calyx-etcd-");
    EtcdServer server = new EtcdServer(binary, dir, Host.freeLoopbackPort(), Host.freeLoopbackPort(), tls);
    try {
      server.resume();
      return server;
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /** The client URL, e.g. {@code http://127.0.0.1:40123} ({@code https://} for a TLS server). */
  @Override
  public String endpoint() {
    return (tls.isPresent() ? "https" : "http") + "://127.0.0.1:" + clientPort;
  }

  public Path dataDir() {
    return dataDir;
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** The PID of the etcd process (for fault-injection tests that signal it). */
  public long pid() {
    return process.pid();
  }

  @Override
  public void freeze() {
    Commands.check(java.util.List.of("kill", "-STOP", Long.toString(process.pid())));
  }

  @Override
  public void thaw() {
    Commands.check(java.util.List.of("kill", "-CONT", Long.toString(process.pid())));
  }

  /** Stops etcd (SIGTERM, then SIGKILL after 10 s), keeping its data. */
  @Override
  public void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    process = null;
  }

  /** Starts etcd (again) on the same ports and data directory and waits until it is healthy. */
  @Override
  public void resume() throws IOException {
    if (isRunning()) {
      return;
    }
    String client = endpoint();
    String peer = "http://127.0.0.1:" + peerPort;
    List<String> cmd = new ArrayList<>(List.of(
        binary.toString(),
        "--name", "calyx-test",
        "--data-dir", dataDir.resolve("data").toString(),
        "--listen-client-urls", client,
        "--advertise-client-urls", client,
        "--listen-peer-urls", peer,
        "--initial-advertise-peer-urls", peer,
        "--initial-cluster", "calyx-test=" + peer,
        "--auto-compaction-mode", "revision",
        "--auto-compaction-retention", "1000",
        "--log-level", "warn"));
    tls.ifPresent(c -> cmd.addAll(List.of(
        "--cert-file", c.serverCert().toString(),
        "--key-file", c.serverKey().toString(),
        "--trusted-ca-file", c.caCert().toString(),
        "--client-cert-auth",
        "--listen-metrics-urls", "http://127.0.0.1:" + metricsPort)));
    process = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("etcd.log").toFile()))
        .start();
    waitHealthy();
  }

  private void waitHealthy() throws IOException {
    EtcdHealth.await(healthBase(), process, "etcd", this::logTail);
  }

  /** Where /health answers without a client certificate. */
  private String healthBase() {
    return tls.isPresent() ? "http://127.0.0.1:" + metricsPort : endpoint();
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(dataDir.resolve("etcd.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** Stops etcd and deletes its data directory. */
  @Override
  public void close() {
    stop();
    delete(dataDir);
    if (ownedPki != null) {
      delete(ownedPki);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp directory
    }
  }
}
