package io.calyx.agent.mesos;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A local server on 127.0.0.1 that answers every request the way a Mesos agent's operator API does, and
 * remembers what it received. It answers what {@link #answer} set, or never ({@link #hang}).
 */
final class FakeMesosAgent implements AutoCloseable {
  /** One request as the server saw it. */
  record Received(String method, String path, Headers headers, String body) {}

  private record Answer(int status, Map<String, String> headers, String body) {}

  private final HttpServer server;
  private final String scheme;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile Answer answer = new Answer(200, Map.of("Content-Type", "application/json"), "{\"type\":\"GET_CONTAINERS\"}");
  private volatile boolean hang;

  private FakeMesosAgent(HttpServer server, String scheme) {
    this.server = server;
    this.scheme = scheme;
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  static FakeMesosAgent http() throws IOException {
    return new FakeMesosAgent(HttpServer.create(loopback(), 0), "http");
  }

  static FakeMesosAgent https(SSLContext tls) throws IOException {
    HttpsServer server = HttpsServer.create(loopback(), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    return new FakeMesosAgent(server, "https");
  }

  private static InetSocketAddress loopback() throws IOException {
    return new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0);
  }

  /** {@code http(s)://127.0.0.1:<port>}, as an operator would give it. */
  URI endpoint() {
    return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Answers a JSON body with 200 OK, as the agent does for {@code GET_CONTAINERS}. */
  FakeMesosAgent answerJson(String body) {
    return answer(200, Map.of("Content-Type", "application/json"), body);
  }

  FakeMesosAgent answer(int status, Map<String, String> headers, String body) {
    this.answer = new Answer(status, headers, body);
    this.hang = false;
    return this;
  }

  /** Reads requests but never answers them (until closed). */
  FakeMesosAgent hang() {
    this.hang = true;
    return this;
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange; InputStream in = exchange.getRequestBody()) {
      String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), exchange.getRequestHeaders(), body));
      if (hang) {
        closing.await();
        return;
      }
      Answer a = answer;
      a.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
      byte[] bytes = a.body().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(a.status(), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    closing.countDown();
    server.stop(0);
    executor.shutdownNow();
    executor.awaitTermination(10, TimeUnit.SECONDS);
  }
}
