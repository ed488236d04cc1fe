package io.calyx.agent.faults;

import io.calyx.agent.AgentMain;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real calyx-agent process for one simulated host, wiring that host's namespace
 * ({@code --dataplane-netns}; the process itself stays in the machine's namespace, where etcd listens on
 * loopback). It runs the install tree's {@code bin/calyx-agent} when {@code -Dcalyx.tree} names a built
 * tree, else the same main class on this JVM's runtime and class path. It can be killed with SIGKILL at any
 * moment and started again with the same node name, socket and state directory. Only the process this
 * object started is ever signalled (by its PID).
 */
final class AgentProcess implements AutoCloseable {
  private final String etcdEndpoints;
  private final String node;
  private final Path dataplaneNetns;
  private final Path work;
  private final List<String> extra;
  private Process process;
  private int starts;

  AgentProcess(String etcdEndpoints, String node, Path dataplaneNetns, Path work, String... extra) {
    this.etcdEndpoints = etcdEndpoints;
    this.node = node;
    this.dataplaneNetns = dataplaneNetns;
    this.work = work;
    this.extra = List.of(extra);
  }

  Path socket() {
    return work.resolve("agent.sock");
  }

  Path stateDir() {
    return work.resolve("state");
  }

  String node() {
    return node;
  }

  Path log() {
    return work.resolve("agent.log");
  }

  /** How the agent is started: the tree's launcher or this JVM. */
  static List<String> launcher() {
    String tree = System.getProperty("calyx.tree");
    if (tree != null && Files.isExecutable(Path.of(tree, "bin", "calyx-agent"))) {
      return List.of(Path.of(tree, "bin", "calyx-agent").toString());
    }
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=0.05", "-Xmx256m", "-Xmn32m", "-cp", System.getProperty("java.class.path"), AgentMain.class.getName());
  }

  /** Starts the agent and waits (at most 60 s) until its socket accepts connections. */
  AgentProcess start() throws IOException, InterruptedException {
    if (process != null && process.isAlive()) {
      return this;
    }
    Files.createDirectories(work);
    // A SIGKILLed agent leaves its socket file behind: wait for the new agent's own.
    Files.deleteIfExists(socket());
    List<String> cmd = new ArrayList<>(launcher());
    cmd.addAll(List.of("--etcd-endpoints", etcdEndpoints, "--nodename", node, "--socket", socket().toString(),
        "--state-dir", stateDir().toString(), "--dataplane-netns", dataplaneNetns.toString(), "--no-reclaim"));
    cmd.addAll(extra);
    process = new ProcessBuilder(cmd).directory(Path.of("/").toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())).start();
    starts++;
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!accepts()) {
      if (!process.isAlive()) {
        throw new IOException("agent " + node + " exited with " + process.exitValue() + ": " + logTail());
      }
      if (System.nanoTime() > until) {
        throw new IOException("agent " + node + " has no socket within 60 s: " + logTail());
      }
      Thread.sleep(20);
    }
    return this;
  }

  private boolean accepts() {
    if (!Files.exists(socket())) {
      return false;
    }
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket()));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** SIGKILL, no clean-up of any kind, as a crashed or OOM-killed agent. */
  void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  int starts() {
    return starts;
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log());
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** SIGTERM (a clean stop), SIGKILL after 20 s. */
  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }
}
