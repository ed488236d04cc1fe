package io.calyx.agent;

import io.calyx.agent.mesos.CniCheckpointDir;
import io.calyx.agent.mesos.LeakTracker;
import io.calyx.agent.mesos.MesosAgentClient;
import io.calyx.agent.mesos.Reclaimer;
import io.calyx.agent.node.HostAddresses;
import io.calyx.agent.policy.PolicySync;
import io.calyx.policy.nft.LibnftablesApplier;
import java.util.Optional;
import io.calyx.agent.node.NodeRegistration;
import io.calyx.agent.routes.NetlinkRouteTable;
import io.calyx.agent.routes.RouteSync;
import io.calyx.cni.dataplane.CalyxHandler;
import io.calyx.cni.dataplane.EndpointRecovery;
import io.calyx.core.net.IpFamily;
import io.calyx.core.node.Node;
import java.util.List;
import io.calyx.cni.dataplane.Endpoints;
import io.calyx.cni.dataplane.NetlinkDataplane;
import io.calyx.cni.ipam.IpamHandler;
import io.calyx.cni.ipam.NodeAddressManager;
import io.calyx.cni.request.Role;
import io.calyx.core.store.Datastore;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.ipam.IpamNode;
import io.calyx.netns.Namespaces;
import io.calyx.netns.Netlink;
import io.calyx.netns.NetlinkPool;
import io.calyx.cni.service.CniHandler;
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

  private final AgentConfig config;
  private final AgentServer server;
  private final Datastore store;
  private final IpamNode ipam;
  private final NetlinkPool netlink;
  private final PendingReleases pending;
  private final List<AutoCloseable> background;

  private Agent(AgentConfig config, AgentServer server, Datastore store, IpamNode ipam, NetlinkPool netlink, PendingReleases pending,
      List<AutoCloseable> background) {
    this.config = config;
    this.server = server;
    this.store = store;
    this.ipam = ipam;
    this.netlink = netlink;
    this.pending = pending;
    this.background = background;
  }

  /** How often the recovery pass re-checks endpoints against the kernel after the first one. */
  static final Duration RECOVERY_EVERY = Duration.ofMinutes(5);
  /** How often routes are fully re-read from etcd and the kernel (changes apply at once through watches). */
  static final Duration ROUTE_RESYNC_EVERY = Duration.ofMinutes(2);
  private static final Duration RETRY = Duration.ofSeconds(2);
  /** How often the nftables table is read back and repaired if someone changed it. */
  static final Duration POLICY_REPAIR_EVERY = Duration.ofSeconds(60);

  /**
   * Prepares the state directory, wires the backends and starts serving. etcd is contacted on first use,
   * so the agent starts (and answers with code 11) while etcd is down.
   */
  public static Agent start(AgentConfig config) throws IOException {
    Files.createDirectories(config.stateDir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    // The first native call of a process is slow (80-220 ms): pay it now, not on the first ADD.
    Namespaces.warmUp();
    java.util.OptionalInt dataplaneFd = config.dataplaneNetns()
        .map(p -> java.util.OptionalInt.of(Namespaces.open(p.toString()))).orElse(java.util.OptionalInt.empty());
    NetlinkPool netlink = new NetlinkPool(4, () -> dataplaneFd.isPresent()
        ? Netlink.in(dataplaneFd.getAsInt(), config.dataplaneNetns().get().toString()) : Netlink.host());
    Datastore store = EtcdDatastore.connect(config.etcdEndpoints(), config.etcdTls());
    IpamNode ipam = new IpamNode(store, config.nodeName(), Clock.systemUTC());
    NodeAddressManager addresses = new NodeAddressManager(ipam);
    Endpoints endpoints = new Endpoints(store, config.nodeName());
    PendingReleases pending = new PendingReleases(config.stateDir());
    pending.start(addresses, endpoints);
    Optional<MesosAgentClient> mesos = mesosClient(config);
    PolicySync policy = new PolicySync(store, config.nodeName(), config.hostAllowPorts(), nftables(config, dataplaneFd), POLICY_REPAIR_EVERY,
        Clock.systemUTC()).start();
    CalyxHandler plugin = new CalyxHandler(addresses, new NetlinkDataplane(netlink, dataplaneFd), endpoints, pending, policy, Clock.systemUTC());
    CniHandler ipamPlugin = new IpamHandler(addresses);
    CniDispatcher dispatcher = new CniDispatcher(Map.of(Role.PLUGIN, plugin, Role.IPAM, ipamPlugin));
    AgentServer server;
    try {
      server = AgentServer.start(config.socket(), dispatcher, PeerPolicy.forThisProcess(), Clock.systemUTC());
    } catch (IOException e) {
      mesos.ifPresent(MesosAgentClient::close);
      policy.close();
      pending.close();
      ipam.close();
      store.close();
      netlink.close();
      throw e;
    }
    LOG.info("calyx-agent {} serving on {} (node {}, etcd {}, state {})",
        AgentMain.version(), config.socket(), config.nodeName(), config.etcdEndpoints(), config.stateDir());
    return new Agent(config, server, store, ipam, netlink, pending, startBackground(config, store, netlink, plugin, mesos, policy));
  }

  /**
   * The nftables context of the namespace calyx wires (its own thread, entered into that namespace for
   * good). nftables is required: without it no group policy could be enforced.
   */
  private static LibnftablesApplier nftables(AgentConfig config, java.util.OptionalInt dataplaneFd) throws IOException {
    if (!LibnftablesApplier.isAvailable()) {
      throw new IOException("nftables (libnftables.so.1) is not installed; calyx enforces group policy with it (apt-get install nftables)");
    }
    try {
      if (dataplaneFd.isEmpty()) {
        return LibnftablesApplier.open();
      }
      String where = config.dataplaneNetns().orElseThrow().toString();
      return LibnftablesApplier.open("calyx-nft", where, () -> Namespaces.enterPermanently(dataplaneFd.getAsInt(), where));
    } catch (RuntimeException e) {
      throw new IOException("cannot open nftables: " + e.getMessage(), e);
    }
  }

  /** The Mesos agent's operator API client of the reclaimer; a bad CA or secret file fails the start. */
  private static Optional<MesosAgentClient> mesosClient(AgentConfig config) throws IOException {
    if (config.reclaim().isEmpty()) {
      return Optional.empty();
    }
    AgentConfig.Reclaim r = config.reclaim().get();
    MesosAgentClient.Options options = MesosAgentClient.Options.of(config.mesosAgentEndpoint()).withTimeout(r.timeout())
        .withInsecure(config.mesosInsecure());
    if (config.mesosCaFile().isPresent()) {
      options = options.withCaFile(config.mesosCaFile().get());
    }
    if (r.principal().isPresent()) {
      String secret = Files.readString(r.secretFile().orElseThrow()).strip();
      if (secret.isEmpty()) {
        throw new IOException("--mesos-secret-file: " + r.secretFile().get() + " is empty");
      }
      options = options.withCredentials(new MesosAgentClient.Credentials(r.principal().get(), secret));
    }
    try {
      return Optional.of(new MesosAgentClient(options));
    } catch (IOException e) {
      throw new IOException("--mesos-ca-file: " + e.getMessage(), e);
    }
  }

  /**
   * Node registration and heartbeat, block routes, and recovery of endpoints against the kernel: all in
   * the background, each retried until etcd answers, so the agent serves at once.
   */
  private static List<AutoCloseable> startBackground(AgentConfig config, Datastore store, NetlinkPool netlink, CalyxHandler plugin,
      Optional<MesosAgentClient> mesos, PolicySync policy) {
    Clock clock = Clock.systemUTC();
    Node node = netlink.with(nl -> new Node(config.nodeName(), HostAddresses.of(IpFamily.V4, config.hostIp(), nl),
        HostAddresses.of(IpFamily.V6, config.hostIp(), nl), AgentMain.version(), clock.instant(), clock.instant()));
    if (node.ipv4().isEmpty() && node.ipv6().isEmpty()) {
      LOG.warn("no host address: none given with --host-ip and no default route to find one; other hosts cannot route to this host's containers");
    }
    NodeRegistration registration = new NodeRegistration(store, node, clock);
    Maintenance heartbeat = new Maintenance("heartbeat", registration::beat, Node.HEARTBEAT_INTERVAL, RETRY).start();
    RouteSync routes = new RouteSync(store, config.nodeName(), new NetlinkRouteTable(netlink), ROUTE_RESYNC_EVERY, clock).start();
    EndpointRecovery recovery = plugin.recovery();
    Maintenance recovering = new Maintenance("recovery", recovery::run, RECOVERY_EVERY, RETRY).start();
    List<AutoCloseable> jobs = new java.util.ArrayList<>(List.of(heartbeat, routes, recovering, policy, plugin));
    if (mesos.isPresent()) {
      AgentConfig.Reclaim r = config.reclaim().orElseThrow();
      Reclaimer reclaimer = new Reclaimer(Reclaimer.fromMesos(mesos.get(), new CniCheckpointDir(r.cniDir())), new LeakTracker(r.grace()),
          store, config.nodeName(), plugin, clock);
      jobs.add(new Maintenance("reclaim", reclaimer::round, r.interval(), r.interval()).start());
      jobs.add(mesos.get());
      LOG.info("reclaim: addresses of containers the Mesos agent at {} (and {}) has not known for {} are released",
          config.mesosAgentEndpoint(), r.cniDir(), r.grace());
    } else {
      LOG.info("reclaim: disabled (--no-reclaim); only DEL releases addresses");
    }
    return jobs;
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
    for (AutoCloseable b : background) {
      try {
        b.close();
      } catch (Exception e) {
        LOG.debug("stopping a background job", e);
      }
    }
    pending.close();
    ipam.close();
    store.close();
    netlink.close();
  }
}
