package io.calyx.agent.mesos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MesosAgentClientTest {
  private static final String TOP = "f0f97041-1860-4b4a-b279-91fec4e0ebd8";
  private static final String POD = "5d2c5a5b-4f6b-4f2e-9b36-6a8f1f1c2d3e";
  private static final String TASK = "0e8b7c3a-2f1d-4c5b-8a9e-7d6c5b4a3f2e";
  private static final String CSI =
      "org-apache-mesos-rp-local-storage-test--org-apache-mesos-csi-test--CONTROLLER_SERVICE-NODE_SERVICE";

  private FakeMesosAgent agent;

  @TempDir Path tmp;

  @BeforeEach
  void start() throws IOException {
    agent = FakeMesosAgent.http();
  }

  @AfterEach
  void stop() throws InterruptedException {
    agent.close();
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = MesosAgentClientTest.class.getResourceAsStream("/mesos/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private Set<String> ask(MesosAgentClient.Options options) throws Exception {
    try (MesosAgentClient client = new MesosAgentClient(options)) {
      return client.containerIds();
    }
  }

  @Test
  void asksGetContainersWithNestedAndStandaloneAndReadsEveryKind() throws Exception {
    agent.answerJson(resource("get-containers.json"));

    Set<String> ids = ask(MesosAgentClient.Options.of(agent.endpoint()));

    // The nested task's entry names only its own value; its status carries the parent.
    assertThat(ids).containsExactlyInAnyOrder(TOP, POD, POD + "." + TASK, CSI);
    FakeMesosAgent.Received request = agent.received().getFirst();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/api/v1");
    assertThat(request.headers().getFirst("Content-Type")).isEqualTo("application/json");
    assertThat(request.headers().getFirst("Accept")).isEqualTo("application/json");
    assertThat(request.headers().containsKey("Authorization")).isFalse();
    ObjectMapper json = new ObjectMapper();
    assertThat(json.readTree(request.body())).isEqualTo(json.readTree(
        "{\"type\":\"GET_CONTAINERS\",\"get_containers\":{\"show_nested\":true,\"show_standalone\":true}}"));
  }

  @Test
  void joinsAParentChainInContainerIdOutermostFirst() throws Exception {
    agent.answerJson("""
        {"type":"GET_CONTAINERS","get_containers":{"containers":[
          {"container_id":{"value":"c","parent":{"value":"b","parent":{"value":"a"}}}},
          {"container_id":{"value":"d","parent":{"value":"a"}},"container_status":{"executor_pid":1}}
        ]}}""");
    assertThat(ask(MesosAgentClient.Options.of(agent.endpoint()))).containsExactlyInAnyOrder("a.b.c", "a.d");
  }

  @Test
  void nestedContainerWithoutStatusIsNamedByItsOwnValue() throws Exception {
    // When the containerizer cannot give a status, the agent leaves container_status out.
    agent.answerJson("""
        {"type":"GET_CONTAINERS","get_containers":{"containers":[
          {"container_id":{"value":"%s"},"resource_statistics":{"timestamp":1.0}},
          {"container_id":{"value":"x"},"container_status":{"container_id":{"value":"y","parent":{"value":"p"}}}}
        ]}}""".formatted(TASK));
    // A status naming another container than the entry: both are kept (the safe side).
    assertThat(ask(MesosAgentClient.Options.of(agent.endpoint()))).containsExactlyInAnyOrder(TASK, "p.y", "x");
  }

  @Test
  void agentWithoutContainersAnswersTheTypeAlone() throws Exception {
    agent.answerJson("{\"type\":\"GET_CONTAINERS\"}");
    assertThat(ask(MesosAgentClient.Options.of(agent.endpoint()))).isEmpty();
    agent.answerJson("{\"type\":\"GET_CONTAINERS\",\"get_containers\":{}}");
    assertThat(ask(MesosAgentClient.Options.of(agent.endpoint()))).isEmpty();
    agent.answerJson("{\"type\":\"GET_CONTAINERS\",\"get_containers\":{\"containers\":[]}}");
    assertThat(ask(MesosAgentClient.Options.of(agent.endpoint()))).isEmpty();
  }

  @Test
  void sendsCredentialsAsBasicAuthentication() throws Exception {
    agent.answerJson(resource("get-containers.json"));
    MesosAgentClient.Credentials credentials = new MesosAgentClient.Credentials("calyx", "s3cr\u00e9t:x");

    ask(MesosAgentClient.Options.of(agent.endpoint()).withCredentials(credentials));

    String expected = "Basic " + Base64.getEncoder().encodeToString("calyx:s3cr\u00e9t:x".getBytes(StandardCharsets.UTF_8));
    assertThat(agent.received().getFirst().headers().getFirst("Authorization")).isEqualTo(expected);
    assertThat(credentials.toString()).doesNotContain("s3cr").contains("calyx");
  }

  @Test
  void keepsAPathPrefixOfTheEndpoint() throws Exception {
    agent.answerJson("{\"type\":\"GET_CONTAINERS\"}");
    ask(MesosAgentClient.Options.of(URI.create(agent.endpoint() + "/agents/a1/")));
    assertThat(agent.received().getFirst().path()).isEqualTo("/agents/a1/api/v1");
    assertThat(MesosAgentClient.apiUri(URI.create("http://127.0.0.1:5051"))).isEqualTo(URI.create("http://127.0.0.1:5051/api/v1"));
    assertThat(MesosAgentClient.apiUri(URI.create("https://[::1]:5051/"))).isEqualTo(URI.create("https://[::1]:5051/api/v1"));
  }

  @Test
  void unauthorizedNamesTheStatus() throws Exception {
    agent.answer(401, Map.of("WWW-Authenticate", "Basic realm=\"mesos-agent-readonly\""), "");
    assertThatThrownBy(() -> ask(MesosAgentClient.Options.of(agent.endpoint())))
        .isInstanceOf(MesosUnavailableException.class)
        .hasMessage("Mesos agent at " + agent.endpoint() + " answered 401 Unauthorized");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "500 | Failed to get containers: Collect failed | answered 500 Internal Server Error: Failed to get containers: Collect failed",
      "503 | Agent has not finished recovery          | answered 503 Service Unavailable: Agent has not finished recovery",
      "403 | ''                                        | answered 403 Forbidden",
      "404 | ''                                        | answered 404 Not Found",
      "299 | '{\"type\":\"GET_CONTAINERS\"}'           | ''",
      "302 | ''                                        | answered 302 Found",
      "418 | I'm a teapot                              | answered 418: I'm a teapot"})
  void statusOutside2xxIsUnavailable(int status, String body, String expected) throws Exception {
    agent.answer(status, Map.of("Content-Type", "text/plain; charset=utf-8"), body);
    if (expected.isEmpty()) {
      assertThat(ask(MesosAgentClient.Options.of(agent.endpoint()))).isEmpty();
    } else {
      assertThatThrownBy(() -> ask(MesosAgentClient.Options.of(agent.endpoint())))
          .isInstanceOf(MesosUnavailableException.class)
          .hasMessage("Mesos agent at " + agent.endpoint() + " " + expected);
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "<html><body>502 Bad Gateway</body></html>                   | the body is not JSON",
      "''                                                          | the body is empty",
      "[]                                                          | the body is not a JSON object",
      "'{\"type\":\"GET_HEALTH\",\"get_health\":{\"healthy\":true}}' | the response type is \"GET_HEALTH\", not \"GET_CONTAINERS\"",
      "'{\"get_containers\":{\"containers\":[]}}'                   | the response type is missing",
      "'{\"type\":\"GET_CONTAINERS\",\"get_containers\":[]}'        | get_containers is not an object",
      "'{\"type\":\"GET_CONTAINERS\",\"get_containers\":{\"containers\":{}}}' | get_containers.containers is not an array",
      "'{\"type\":\"GET_CONTAINERS\",\"get_containers\":{\"containers\":[{\"executor_id\":{\"value\":\"e\"}}]}}' | get_containers.containers[0].container_id is missing",
      "'{\"type\":\"GET_CONTAINERS\",\"get_containers\":{\"containers\":[{\"container_id\":\"abc\"}]}}' | get_containers.containers[0].container_id is not an object",
      "'{\"type\":\"GET_CONTAINERS\",\"get_containers\":{\"containers\":[{\"container_id\":{\"value\":7}}]}}' | get_containers.containers[0].container_id.value is not a non-empty string",
      "'{\"type\":\"GET_CONTAINERS\",\"get_containers\":{\"containers\":[{\"container_id\":{\"value\":\"c\",\"parent\":{}}}]}}' | get_containers.containers[0].container_id.parent.value is not a non-empty string",
      "'{\"type\":\"GET_CONTAINERS\"} {}'                             | the body is not JSON"})
  void bodyThatIsNotAGetContainersResponseIsUnavailable(String body, String problem) throws Exception {
    agent.answerJson(body);
    assertThatThrownBy(() -> ask(MesosAgentClient.Options.of(agent.endpoint())))
        .isInstanceOf(MesosUnavailableException.class)
        .hasMessageStartingWith("Mesos agent at " + agent.endpoint() + " answered GET_CONTAINERS unexpectedly: " + problem);
  }

  @Test
  void answerLargerThanTheLimitIsUnavailable() throws Exception {
    agent.answerJson(resource("get-containers.json"));
    try (MesosAgentClient client = new MesosAgentClient(MesosAgentClient.Options.of(agent.endpoint()), 1024)) {
      assertThatThrownBy(client::containerIds)
          .isInstanceOf(MesosUnavailableException.class)
          .hasMessage("Mesos agent at " + agent.endpoint() + " answered with a body larger than 1024 bytes");
    }
  }

  @Test
  void refusedConnectionIsUnavailable() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      port = socket.getLocalPort();
    }
    URI endpoint = URI.create("http://127.0.0.1:" + port);
    assertThatThrownBy(() -> ask(MesosAgentClient.Options.of(endpoint)))
        .isInstanceOf(MesosUnavailableException.class)
        .hasMessage("Mesos agent at " + endpoint + " is not reachable: connection refused");
  }

  @Test
  void unknownHostIsUnavailable() {
    URI endpoint = URI.create("http://mesos-agent.invalid:5051");
    assertThatThrownBy(() -> ask(MesosAgentClient.Options.of(endpoint)))
        .isInstanceOf(MesosUnavailableException.class)
        .hasMessage("Mesos agent at " + endpoint + " is not reachable: the host name cannot be resolved");
  }

  @Test
  void agentThatNeverAnswersTimesOut() throws Exception {
    agent.hang();
    long start = System.nanoTime();
    assertThatThrownBy(() -> ask(MesosAgentClient.Options.of(agent.endpoint()).withTimeout(Duration.ofSeconds(1))))
        .isInstanceOf(MesosUnavailableException.class)
        .hasMessage("Mesos agent at " + agent.endpoint() + " timed out after 1 s");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void serverThatAcceptsButNeverSpeaksTlsTimesOut() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      Thread acceptor = Thread.ofVirtual().start(() -> {
        List<Socket> held = new ArrayList<>();
        try {
          while (true) {
            held.add(silent.accept()); // keep them open, say nothing
          }
        } catch (IOException closed) {
          held.forEach(s -> {
            try {
              s.close();
            } catch (IOException ignored) {
              // closing test sockets
            }
          });
        }
      });
      URI endpoint = URI.create("https://127.0.0.1:" + silent.getLocalPort());
      long start = System.nanoTime();
      assertThatThrownBy(() -> ask(MesosAgentClient.Options.of(endpoint).withInsecure(true).withTimeout(Duration.ofMillis(1500))))
          .isInstanceOf(MesosUnavailableException.class)
          .hasMessage("Mesos agent at " + endpoint + " timed out after 1.5 s");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      silent.close();
      acceptor.join(Duration.ofSeconds(5));
    }
  }

  @Test
  void oneClientServesManyCallsFromManyThreads() throws Exception {
    agent.answerJson(resource("get-containers.json"));
    try (MesosAgentClient client = new MesosAgentClient(MesosAgentClient.Options.of(agent.endpoint()));
        ExecutorService threads = Executors.newFixedThreadPool(8)) {
      List<Callable<Set<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        calls.add(client::containerIds);
      }
      for (Future<Set<String>> result : threads.invokeAll(calls)) {
        assertThat(result.get()).containsExactlyInAnyOrder(TOP, POD, POD + "." + TASK, CSI);
      }
    }
    assertThat(agent.received()).hasSize(32);
  }

  @Test
  void refusesOptionsThatCannotWork() {
    assertThatThrownBy(() -> MesosAgentClient.Options.of(URI.create("ftp://127.0.0.1:5051")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http(s)://HOST:PORT");
    assertThatThrownBy(() -> MesosAgentClient.Options.of(URI.create("http://calyx:secret@127.0.0.1:5051")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("credentials").hasMessageNotContaining("secret");
    assertThatThrownBy(() -> MesosAgentClient.Options.of(URI.create("http://127.0.0.1:5051?x=1")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("query");
    assertThatThrownBy(() -> MesosAgentClient.Options.of(URI.create("https://127.0.0.1:5051")).withInsecure(true).withCaFile(Path.of("/etc/ssl/ca.pem")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exclude each other");
    assertThatThrownBy(() -> MesosAgentClient.Options.of(URI.create("http://127.0.0.1:5051")).withTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
    assertThatThrownBy(() -> new MesosAgentClient.Credentials("a:b", "s"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("':'");
    assertThat(MesosAgentClient.Options.of(URI.create("http://127.0.0.1:5051")).timeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void caFileThatIsMissingOrNotPemFailsAtConstruction() throws Exception {
    URI endpoint = URI.create("https://127.0.0.1:5051");
    Path missing = tmp.resolve("missing.pem");
    assertThatThrownBy(() -> new MesosAgentClient(MesosAgentClient.Options.of(endpoint).withCaFile(missing)))
        .isInstanceOf(IOException.class)
        .hasMessage("cannot read the Mesos CA file " + missing + ": no such file or directory");
    Path text = Files.writeString(tmp.resolve("text.pem"), "not a certificate\n");
    assertThatThrownBy(() -> new MesosAgentClient(MesosAgentClient.Options.of(endpoint).withCaFile(text)))
        .isInstanceOf(IOException.class)
        .hasMessage("the Mesos CA file " + text + " is not a PEM certificate bundle: No certificate data found");
    Path empty = Files.writeString(tmp.resolve("empty.pem"), "");
    assertThatThrownBy(() -> new MesosAgentClient(MesosAgentClient.Options.of(endpoint).withCaFile(empty)))
        .isInstanceOf(IOException.class)
        .hasMessage("the Mesos CA file " + empty + " holds no certificate");
  }
}
