package io.calyx.agent.mesos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An https Mesos agent with a self-signed certificate, verified, not trusted, mismatched and skipped. */
class MesosAgentClientTlsTest {
  private static final String ANSWER =
      "{\"type\":\"GET_CONTAINERS\",\"get_containers\":{\"containers\":[{\"container_id\":{\"value\":\"f0f97041-1860-4b4a-b279-91fec4e0ebd8\"}}]}}";

  @TempDir static Path dir;

  /** Certificate for ip:127.0.0.1, the address the agent is asked at. */
  private static TestCertificates.Server good;
  /** Certificate for another name: right CA, wrong host. */
  private static TestCertificates.Server otherHost;
  /** An unrelated self-signed certificate: the wrong CA. */
  private static TestCertificates.Server stranger;
  private static FakeMesosAgent agent;
  private static FakeMesosAgent mismatched;

  @BeforeAll
  static void start() throws Exception {
    // keytool is a JVM start per step: make the three at once.
    try (ExecutorService keytools = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<TestCertificates.Server> g = keytools.submit(() -> TestCertificates.selfSigned(dir, "mesos-agent", "ip:127.0.0.1"));
      Future<TestCertificates.Server> o = keytools.submit(() -> TestCertificates.selfSigned(dir, "other-host", "dns:mesos-agent.example"));
      Future<TestCertificates.Server> s = keytools.submit(() -> TestCertificates.selfSigned(dir, "stranger", "ip:127.0.0.1"));
      good = g.get();
      otherHost = o.get();
      stranger = s.get();
    }
    agent = FakeMesosAgent.https(good.serverContext()).answerJson(ANSWER);
    mismatched = FakeMesosAgent.https(otherHost.serverContext()).answerJson(ANSWER);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    agent.close();
    mismatched.close();
  }

  private static Set<String> ask(MesosAgentClient.Options options) throws Exception {
    try (MesosAgentClient client = new MesosAgentClient(options)) {
      return client.containerIds();
    }
  }

  @Test
  void verifiesTheAgentWithTheCaFile() throws Exception {
    assertThat(ask(MesosAgentClient.Options.of(agent.endpoint()).withCaFile(good.pem())))
        .containsExactly("f0f97041-1860-4b4a-b279-91fec4e0ebd8");
  }

  @Test
  void caFileMayHoldSeveralCertificates() throws Exception {
    // Like a distribution bundle: comments and other CAs around the one that signed the agent.
    Path bundle = dir.resolve("bundle.pem");
    Files.writeString(bundle, "# stranger\n" + Files.readString(stranger.pem()) + "\n# mesos agent\n" + Files.readString(good.pem()));
    assertThat(ask(MesosAgentClient.Options.of(agent.endpoint()).withCaFile(bundle))).hasSize(1);
  }

  @Test
  void systemTrustDoesNotKnowASelfSignedAgent() {
    assertThatThrownBy(() -> ask(MesosAgentClient.Options.of(agent.endpoint())))
        .isInstanceOf(MesosUnavailableException.class)
        .hasMessage("Mesos agent at " + agent.endpoint() + " is not reachable: certificate not trusted (PKIX path building failed)");
  }

  @Test
  void wrongCaIsNotTrusted() {
    assertThatThrownBy(() -> ask(MesosAgentClient.Options.of(agent.endpoint()).withCaFile(stranger.pem())))
        .isInstanceOf(MesosUnavailableException.class)
        .hasMessage("Mesos agent at " + agent.endpoint() + " is not reachable: certificate not trusted (PKIX path building failed)");
  }

  @Test
  void insecureSkipsVerification() throws Exception {
    assertThat(ask(MesosAgentClient.Options.of(agent.endpoint()).withInsecure(true))).hasSize(1);
  }

  @Test
  void certificateForAnotherHostIsRefusedEvenWithItsCa() {
    assertThatThrownBy(() -> ask(MesosAgentClient.Options.of(mismatched.endpoint()).withCaFile(otherHost.pem())))
        .isInstanceOf(MesosUnavailableException.class)
        .hasMessage("Mesos agent at " + mismatched.endpoint() + " is not reachable: certificate does not match the host "
            + "(No subject alternative names matching IP address 127.0.0.1 found)");
  }

  @Test
  void insecureAlsoSkipsTheHostName() throws Exception {
    assertThat(ask(MesosAgentClient.Options.of(mismatched.endpoint()).withInsecure(true))).hasSize(1);
  }

  @Test
  void credentialsTravelOverTls() throws Exception {
    ask(MesosAgentClient.Options.of(agent.endpoint()).withCaFile(good.pem())
        .withCredentials(new MesosAgentClient.Credentials("calyx", "secret")));
    assertThat(agent.received().getLast().headers().getFirst("Authorization")).isEqualTo("Basic Y2FseXg6c2VjcmV0");
  }

  @Test
  void httpsToAPlainHttpAgentFailsTheHandshake() throws Exception {
    // A plain HTTP server answers the ClientHello it cannot parse with a 400, as libprocess does.
    try (ServerSocket plain = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      Thread server = Thread.ofVirtual().start(() -> {
        try (Socket s = plain.accept()) {
          s.getInputStream().read(new byte[512]);
          s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
        } catch (IOException ignored) {
          // the test ends either way
        }
      });
      URI endpoint = URI.create("https://127.0.0.1:" + plain.getLocalPort());
      assertThatThrownBy(() -> ask(MesosAgentClient.Options.of(endpoint).withInsecure(true)))
          .isInstanceOf(MesosUnavailableException.class)
          .hasMessageStartingWith("Mesos agent at " + endpoint + " is not reachable: TLS handshake failed (");
      server.join(Duration.ofSeconds(5));
    }
  }

  @Test
  void plainHttpToAnHttpsAgentIsUnavailable() {
    URI endpoint = URI.create("http://127.0.0.1:" + agent.endpoint().getPort());
    assertThatThrownBy(() -> ask(MesosAgentClient.Options.of(endpoint)))
        .isInstanceOf(MesosUnavailableException.class)
        .hasMessage("Mesos agent at " + endpoint + " is not reachable: the answer is not HTTP (an https agent asked with http://?)");
  }
}
