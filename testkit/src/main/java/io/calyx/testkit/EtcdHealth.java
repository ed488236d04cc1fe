package io.calyx.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;

/** Waits for an etcd process the testkit started to answer {@code /health} with {@code "true"}. */
final class EtcdHealth {
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private EtcdHealth() {}

  /**
   * Returns once {@code base + "/health"} says healthy.
   *
   * @param what names the process in errors, e.g. "etcd member m1"
   * @param log the tail of its log, for errors
   * @throws IOException when it exits first or is not healthy within {@link #START_TIMEOUT}
   */
  static void await(String base, Process process, String what, Supplier<String> log) throws IOException {
    HttpRequest health = HttpRequest.newBuilder(URI.create(base + "/health")).timeout(Duration.ofSeconds(2)).build();
    long until = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < until) {
      if (!process.isAlive()) {
        throw new IOException(what + " exited with " + process.exitValue() + " at start: " + log.get());
      }
      try {
        HttpResponse<String> r = HTTP.send(health, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("\"true\"")) {
          return;
        }
        Thread.sleep(50);
      } catch (IOException e) {
        // not listening yet, or no quorum yet
        sleep();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for " + what, e);
      }
    }
    throw new IOException(what + " not healthy within " + START_TIMEOUT.toSeconds() + " s: " + log.get());
  }

  private static void sleep() throws IOException {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for etcd", e);
    }
  }
}
