package io.calyx.agent;

import io.calyx.core.InvalidValueException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code calyx-agent}: runs in the foreground until SIGTERM; bad configuration exits 1 with one clear line. */
@Command(
    name = "calyx-agent",
    mixinStandardHelpOptions = true,
    versionProvider = AgentMain.Version.class,
    sortOptions = false,
    description = {
      "The calyx per-host agent: serves the calyx and calyx-ipam CNI plugins on a unix socket.",
      "",
      "Example:",
      "  calyx-agent --etcd-endpoints http://10.0.0.10:2379 --nodename agent-1",
      ""
    })
public final class AgentMain implements Callable<Integer> {
  @Option(names = "--etcd-endpoints", paramLabel = "URL[,URL...]", description = "etcd client URLs (required)")
  String etcdEndpoints;

  @Option(names = "--nodename", paramLabel = "NAME", description = "this host's name in calyx (default: the host name)")
  String nodeName;

  @Option(names = "--socket", paramLabel = "PATH", description = "unix socket for the plugins (default: ${DEFAULT-VALUE})", defaultValue = "/run/calyx/agent.sock")
  String socket;

  @Option(names = "--host-ip", paramLabel = "IP", description = "address other hosts route this host's blocks to (default: the default route's interface)")
  String hostIp;

  @Option(names = "--state-dir", paramLabel = "DIR", description = "local state (default: /var/lib/calyx/<nodename>)")
  String stateDir;

  @Option(names = "--host-allow-ports", paramLabel = "P[,P...]", description = "host ports containers may reach (default: ${DEFAULT-VALUE}, the Mesos agent)", defaultValue = "5051")
  String hostAllowPorts;

  @Option(names = "--etcd-cacert", paramLabel = "FILE", description = "CA certificate of etcd (TLS)")
  String etcdCaCert;

  @Option(names = "--etcd-cert", paramLabel = "FILE", description = "client certificate for etcd (TLS)")
  String etcdCert;

  @Option(names = "--etcd-key", paramLabel = "FILE", description = "client key for etcd (TLS)")
  String etcdKey;

  @Option(names = "--mesos-agent-endpoint", paramLabel = "URL", description = "Mesos agent operator API (default: ${DEFAULT-VALUE})", defaultValue = AgentConfig.DEFAULT_MESOS_AGENT)
  String mesosAgentEndpoint;

  @Option(names = "--mesos-ca-file", paramLabel = "FILE", description = "CA to verify an https Mesos agent")
  String mesosCaFile;

  @Option(names = "--mesos-insecure", description = "do not verify an https Mesos agent's certificate")
  boolean mesosInsecure;

  @Option(names = "--mesos-timeout", paramLabel = "DURATION", description = "bound on each request to the Mesos agent (default: 5s)")
  String mesosTimeout;

  @Option(names = "--mesos-principal", paramLabel = "NAME", description = "principal for the Mesos agent's HTTP authentication (with --mesos-secret-file)")
  String mesosPrincipal;

  @Option(names = "--mesos-secret-file", paramLabel = "FILE", description = "file holding that principal's secret")
  String mesosSecretFile;

  @Option(names = "--mesos-cni-dir", paramLabel = "DIR",
      description = "Mesos' CNI checkpoint directory (default: " + "/var/run/mesos/isolators/network/cni" + "; <work_dir>/isolators/network/cni with --network_cni_root_dir_persist)")
  String mesosCniDir;

  @Option(names = "--reclaim-grace", paramLabel = "DURATION",
      description = "release a container's addresses once the Mesos agent has not known it for this long (default: 10m)")
  String reclaimGrace;

  @Option(names = "--reclaim-interval", paramLabel = "DURATION", description = "how often to compare with the Mesos agent (default: 60s)")
  String reclaimInterval;

  @Option(names = "--no-reclaim", description = "never release addresses on the Mesos agent's word (only DEL releases)")
  boolean noReclaim;

  @Option(names = "--dataplane-netns", paramLabel = "PATH",
      description = "wire the host side of containers in this network namespace instead of the agent's own (simulated hosts)")
  String dataplaneNetns;

  private final CountDownLatch stopped = new CountDownLatch(1);

  public static void main(String[] args) {
    // gRPC and Vert.x log through java.util.logging: route it into the agent's one log format and levels.
    org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
    org.slf4j.bridge.SLF4JBridgeHandler.install();
    System.exit(run(args, new PrintWriter(System.err, true)));
  }

  /** Parses {@code args} and runs the agent; returns the exit status (1 for any configuration error). */
  static int run(String[] args, PrintWriter err) {
    CommandLine cli = new CommandLine(new AgentMain());
    cli.setErr(err);
    cli.setParameterExceptionHandler((e, a) -> {
      err.println("calyx-agent: " + e.getMessage());
      err.println("Try 'calyx-agent --help'.");
      return 1;
    });
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      err.println("calyx-agent: " + e.getMessage());
      return 1;
    });
    return cli.execute(args);
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    AgentConfig config;
    try {
      config = AgentConfig.validate(
          new AgentConfig.Raw(etcdEndpoints, etcdCaCert, etcdCert, etcdKey, nodeName, socket, hostIp, stateDir,
              hostAllowPorts, mesosAgentEndpoint, mesosCaFile, mesosInsecure, dataplaneNetns,
              new AgentConfig.RawReclaim(noReclaim, mesosTimeout, mesosPrincipal, mesosSecretFile, mesosCniDir, reclaimGrace, reclaimInterval)),
          hostName());
    } catch (InvalidValueException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    Agent agent;
    try {
      agent = Agent.start(config);
    } catch (IOException e) {
      throw new IOException(e.getMessage(), e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.close();
      stopped.countDown();
    }, "calyx-shutdown"));
    stopped.await();
    return 0;
  }

  static String hostName() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException e) {
      return null;
    }
  }

  static String version() {
    String v = AgentMain.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Prints the build's version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"calyx-agent " + version()};
    }
  }
}
