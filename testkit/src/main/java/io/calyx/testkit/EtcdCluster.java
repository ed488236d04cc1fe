package io.calyx.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real etcd cluster of several members for tests, every member an {@code etcd} process on free
 * 127.0.0.1 ports with its own data directory. A member can be killed (SIGKILL, as a crashed host) and
 * started again on its ports and data; {@link #leader()} tells which member leads. {@link #close()} kills
 * every member and removes the data.
 */
public final class EtcdCluster implements AutoCloseable {
  private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\"\\s*:\\s*\"?(\\d+)\"?");
  private static final Pattern LEADER = Pattern.compile("\"leader\"\\s*:\\s*\"?(\\d+)\"?");

  private final Path binary;
  private final Path dir;
  private final int[] clientPorts;
  private final int[] peerPorts;
  private final Process[] processes;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private EtcdCluster(Path binary, Path dir, int members) {
    this.binary = binary;
    this.dir = dir;
    this.clientPorts = new int[members];
    this.peerPorts = new int[members];
    this.processes = new Process[members];
    for (int i = 0; i < members; i++) {
      clientPorts[i] = Host.freeLoopbackPort();
      peerPorts[i] = Host.freeLoopbackPort();
    }
  }

  /** Starts {@code members} members from {@code binary} and waits until every one is healthy (30 s). */
  public static EtcdCluster start(Path binary, int members) throws IOException {
    if (members < 1 || members > 7) {
      throw new IllegalArgumentException("1 to 7 members");
    }
    EtcdCluster cluster = new EtcdCluster(binary, Files.createTempDirectory("calyx-etcd-cluster-"), members);
    try {
      for (int i = 0; i < members; i++) {
        cluster.launch(i);
      }
      for (int i = 0; i < members; i++) {
        cluster.waitHealthy(i);
      }
      return cluster;
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  public int size() {
    return processes.length;
  }

  /** Member {@code i}'s client URL. */
  public String endpoint(int i) {
    return "http://127.0.0.1:" + clientPorts[i];
  }

  /** All client URLs, comma-separated (the form {@code --etcd-endpoints} takes). */
  public String endpoints() {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < processes.length; i++) {
      all.add(endpoint(i));
    }
    return String.join(",", all);
  }

  public boolean isRunning(int i) {
    return processes[i] != null && processes[i].isAlive();
  }

  /** The index of the member that currently leads, as the running members report it (empty: no leader yet). */
  public OptionalInt leader() {
    for (int i = 0; i < processes.length; i++) {
      if (!isRunning(i)) {
        continue;
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint(i) + "/v3/maintenance/status"))
            .timeout(Duration.ofSeconds(2)).POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        Matcher leader = LEADER.matcher(r.body());
        if (r.statusCode() != 200 || !leader.find() || leader.group(1).equals("0")) {
          continue;
        }
        for (int j = 0; j < processes.length; j++) {
          if (isRunning(j) && leader.group(1).equals(memberId(j))) {
            return OptionalInt.of(j);
          }
        }
      } catch (IOException e) {
        // this member does not answer: ask the next
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return OptionalInt.empty();
      }
    }
    return OptionalInt.empty();
  }

  /** Waits up to {@code timeout} for a running member to lead. */
  public OptionalInt awaitLeader(Duration timeout) throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < until) {
      OptionalInt l = leader();
      if (l.isPresent()) {
        return l;
      }
      Thread.sleep(100);
    }
    return leader();
  }

  private String memberId(int i) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint(i) + "/v3/maintenance/status"))
        .timeout(Duration.ofSeconds(2)).POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    Matcher m = MEMBER_ID.matcher(r.body());
    return m.find() ? m.group(1) : "";
  }

  /** Kills member {@code i} with SIGKILL (no clean shutdown, as a crashed host), keeping its data. */
  public void kill(int i) throws InterruptedException {
    if (processes[i] != null) {
      processes[i].destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      processes[i] = null;
    }
  }

  /** Starts member {@code i} again on its ports and data and waits until it is healthy. */
  public void restart(int i) throws IOException {
    if (!isRunning(i)) {
      launch(i);
      waitHealthy(i);
    }
  }

  private void launch(int i) throws IOException {
    List<String> peers = new ArrayList<>();
    for (int j = 0; j < processes.length; j++) {
      peers.add("m" + j + "=http://127.0.0.1:" + peerPorts[j]);
    }
    Path data = dir.resolve("m" + i);
    boolean fresh = !Files.exists(data);
    List<String> cmd = List.of(binary.toString(),
        "--name", "m" + i,
        "--data-dir", data.toString(),
        "--listen-client-urls", endpoint(i),
        "--advertise-client-urls", endpoint(i),
        "--listen-peer-urls", "http://127.0.0.1:" + peerPorts[i],
        "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPorts[i],
        "--initial-cluster", String.join(",", peers),
        "--initial-cluster-state", fresh ? "new" : "existing",
        "--initial-cluster-token", dir.getFileName().toString(),
        // Short election timeouts: a lost leader is replaced within about a second.
        "--heartbeat-interval", "50",
        "--election-timeout", "500",
        "--auto-compaction-mode", "revision",
        "--auto-compaction-retention", "1000",
        "--log-level", "warn");
    processes[i] = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("m" + i + ".log").toFile())).start();
  }

  private void waitHealthy(int i) throws IOException {
    EtcdHealth.await(endpoint(i), processes[i], "etcd member m" + i, () -> logTail(i));
  }

  private String logTail(int i) {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("m" + i + ".log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** Kills every member and deletes the data. */
  @Override
  public void close() {
    for (int i = 0; i < processes.length; i++) {
      try {
        kill(i);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp directory
    }
  }
}
