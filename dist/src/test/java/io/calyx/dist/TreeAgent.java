package io.calyx.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The install tree's {@code bin/calyx-agent}, started as an operator would ({@code env -i}, from {@code /})
 * with its socket, state and log in {@code work}; ready once its socket exists. Closing kills it.
 */
final class TreeAgent implements AutoCloseable {
  private final Process process;
  private final Path socket;
  private final Path log;

  private TreeAgent(Process process, Path socket, Path log) {
    this.process = process;
    this.socket = socket;
    this.log = log;
  }

  /** Starts the agent against {@code etcd} as node {@code nodename}, with {@code extra} flags, and waits for its socket. */
  static TreeAgent start(Path tree, String etcd, String nodename, Path work, String... extra) throws Exception {
    Path socket = work.resolve("agent.sock");
    Path log = work.resolve("agent.log");
    List<String> cmd = new ArrayList<>(List.of("env", "-i", InstallTreeIT.PATH, tree.resolve("bin/calyx-agent").toString(),
        "--etcd-endpoints", etcd, "--nodename", nodename, "--socket", socket.toString(),
        "--state-dir", work.resolve("state").toString()));
    cmd.addAll(List.of(extra));
    Process p = new ProcessBuilder(cmd).directory(Path.of("/").toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    TreeAgent agent = new TreeAgent(p, socket, log);
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!Files.exists(socket)) {
      assertThat(p.isAlive()).as("agent alive: %s", agent.log()).isTrue();
      assertThat(System.nanoTime()).as("agent socket within 60 s").isLessThan(until);
      Thread.sleep(20);
    }
    return agent;
  }

  Path socket() {
    return socket;
  }

  Process process() {
    return process;
  }

  /** What the agent logged so far. */
  String log() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
