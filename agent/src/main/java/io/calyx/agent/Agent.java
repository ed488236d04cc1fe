package io.calyx.agent;

import io.calyx.cni.request.Role;
import io.calyx.cni.service.CniHandler;
import io.calyx.cni.service.UnavailableHandler;
import io.calyx.cni.skel.CniDispatcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running calyx-agent: its state directory, its backends and its socket server. */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  /**
   * Why ADD cannot be served yet. The CNI protocol is complete; address management and the container
   * dataplane are separate components that plug in behind {@link CniHandler}.
   */
  static final String NO_BACKEND =
      "this calyx-agent build has no IPAM and dataplane backend yet: it answers VERSION, DEL and STATUS, "
          + "and refuses ADD rather than half-configure a container";

  private final AgentConfig config;
  private final AgentServer server;

  private Agent(AgentConfig config, AgentServer server) {
    this.config = config;
    this.server = server;
  }

  /** Prepares the state directory, wires the backends and starts serving. */
  public static Agent start(AgentConfig config) throws IOException {
    Files.createDirectories(config.stateDir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    CniHandler unavailable = new UnavailableHandler(NO_BACKEND);
    CniDispatcher dispatcher = new CniDispatcher(Map.of(Role.PLUGIN, unavailable, Role.IPAM, unavailable));
    AgentServer server = AgentServer.start(config.socket(), dispatcher, PeerPolicy.forThisProcess(), Clock.systemUTC());
    LOG.info("calyx-agent {} serving on {} (node {}, etcd {}, state {})",
        AgentMain.version(), config.socket(), config.nodeName(), config.etcdEndpoints(), config.stateDir());
    return new Agent(config, server);
  }

  public AgentConfig config() {
    return config;
  }

  /**
   * Stops serving. Routes and firewall rules are left in place on purpose: running containers keep their
   * network while the agent restarts.
   */
  @Override
  public void close() {
    LOG.info("calyx-agent stopping; container networking stays in place");
    server.close(Duration.ofSeconds(30));
  }
}
