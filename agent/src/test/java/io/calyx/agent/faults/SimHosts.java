package io.calyx.agent.faults;

import io.calyx.agent.Cni;
import io.calyx.agent.ForwarderRun;
import io.calyx.testkit.Fabric;
import io.calyx.testkit.Netns;
import io.calyx.testkit.NetnsExtension.NetnsFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Simulated hosts for the fault suite: a {@link Fabric} of {@code n} hosts and one real agent process per
 * host ({@link AgentProcess}), all against the given etcd endpoints, in a work directory removed on close.
 */
final class SimHosts implements AutoCloseable {
  final Path dir;
  final String prefix;
  final Fabric fabric;
  private final List<AgentProcess> agents = new ArrayList<>();

  SimHosts(String etcdEndpoints, NetnsFactory namespaces, int n, String prefix, String... agentFlags) throws Exception {
    this.dir = Files.createTempDirectory(Path.of("/tmp"), "cfl");
    this.prefix = prefix;
    this.fabric = Fabric.create(namespaces, n);
    try {
      for (int i = 1; i <= n; i++) {
        agents.add(new AgentProcess(etcdEndpoints, prefix + "-h" + i, fabric.host(i).netns().path(), dir.resolve("h" + i), agentFlags));
      }
      // Start them in parallel: a JVM start is most of a second on a loaded machine.
      List<Thread> starting = new ArrayList<>();
      List<Exception> failed = new java.util.concurrent.CopyOnWriteArrayList<>();
      for (AgentProcess a : agents) {
        starting.add(Thread.ofVirtual().start(() -> {
          try {
            a.start();
          } catch (Exception e) {
            failed.add(e);
          }
        }));
      }
      for (Thread t : starting) {
        t.join();
      }
      if (!failed.isEmpty()) {
        throw failed.getFirst();
      }
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  AgentProcess agent(int host) {
    return agents.get(host - 1);
  }

  Netns host(int host) {
    return fabric.host(host).netns();
  }

  int size() {
    return agents.size();
  }

  List<Audit.HostView> views() {
    List<Audit.HostView> out = new ArrayList<>();
    for (int i = 1; i <= agents.size(); i++) {
      out.add(new Audit.HostView(agent(i).node(), host(i)));
    }
    return out;
  }

  /** The network config Mesos would checkpoint for a container on {@code host} ({@code networkInfo}: Mesos' NetworkInfo JSON). */
  String conf(int host, String network, String pool, String networkInfo) {
    return Cni.conf(network, pool, agent(host).socket(), networkInfo);
  }

  /** One CNI call through the real forwarder, as Mesos makes it. */
  ForwarderRun cni(String command, String container, Netns target, String conf) {
    return Cni.call(command, container, target, "eth0", conf);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    Path logs = Path.of("target", "faults-logs");
    Files.createDirectories(logs);
    for (AgentProcess a : agents) {
      a.close();
      // Kept for a failed run: the agents' own account of what they did.
      if (Files.exists(a.log())) {
        Files.copy(a.log(), logs.resolve(a.node() + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Cni.deleteTree(dir);
  }
}
