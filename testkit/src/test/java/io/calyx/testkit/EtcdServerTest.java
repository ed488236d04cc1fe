package io.calyx.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EtcdExtension.class)
class EtcdServerTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static String post(String endpoint, String path, String json) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(endpoint + path))
        .timeout(Duration.ofSeconds(5))
        .POST(HttpRequest.BodyPublishers.ofString(json))
        .build();
    return HTTP.send(req, HttpResponse.BodyHandlers.ofString()).body();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void extensionGivesARealEtcdThatStoresKeys(Etcd etcd) throws Exception {
    assertThat(etcd.endpoint()).startsWith("http://");
    post(etcd.endpoint(), "/v3/kv/put", "{\"key\":\"" + b64("/calyx-test/a") + "\",\"value\":\"" + b64("v1") + "\"}");
    String range = post(etcd.endpoint(), "/v3/kv/range", "{\"key\":\"" + b64("/calyx-test/a") + "\"}");
    assertThat(range).contains(b64("v1"));
  }

  @Test
  void stopAndResumeKeepData(Etcd etcd) throws Exception {
    post(etcd.endpoint(), "/v3/kv/put", "{\"key\":\"" + b64("/calyx-test/b") + "\",\"value\":\"" + b64("kept") + "\"}");
    etcd.stop();
    boolean reachable;
    try {
      post(etcd.endpoint(), "/health", "");
      reachable = true;
    } catch (java.io.IOException e) {
      reachable = false;
    }
    assertThat(reachable).as("etcd answers while stopped").isFalse();
    etcd.resume();
    assertThat(post(etcd.endpoint(), "/v3/kv/range", "{\"key\":\"" + b64("/calyx-test/b") + "\"}")).contains(b64("kept"));
  }

  @Test
  void closeStopsTheProcessAndRemovesItsData() throws Exception {
    var binary = Host.which("etcd");
    Assumptions.assumeTrue(binary.isPresent(), "needs the etcd binary (apt-get install etcd-server)");
    EtcdServer server = EtcdServer.start(binary.get());
    Path dir = server.dataDir();
    ProcessHandle process = ProcessHandle.of(server.pid()).orElseThrow();
    assertThat(Files.isDirectory(dir.resolve("data"))).isTrue();
    server.close();
    assertThat(process.isAlive()).isFalse();
    assertThat(Files.exists(dir)).isFalse();
  }
}
