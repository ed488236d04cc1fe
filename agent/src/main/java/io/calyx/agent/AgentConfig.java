package io.calyx.agent;

import io.calyx.core.InvalidValueException;
import io.calyx.core.net.IpAddress;
import io.calyx.datastore.etcd.EtcdTls;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The agent's validated configuration (CONTRACT.md, "Agent"). Built from the command line by
 * {@link #validate}; every problem names its flag.
 *
 * @param etcdEndpoints etcd client URLs
 * @param etcdTls client TLS files, when etcd uses TLS
 * @param nodeName this host's name in the datastore
 * @param socket the unix socket the forwarders connect to
 * @param hostIp the address other hosts route this host's blocks to (empty: autodetect later)
 * @param stateDir local state (pending releases and the like)
 * @param hostAllowPorts host ports containers may reach (the Mesos agent)
 * @param mesosAgentEndpoint the Mesos agent's operator API
 * @param mesosCaFile CA to verify an https Mesos agent with
 * @param mesosInsecure skip verifying an https Mesos agent
 * @param dataplaneNetns the namespace whose side of the veths calyx wires (default: the agent's own); for
 *     simulating several hosts on one machine without moving the agent
 * @param reclaim how leaked addresses are found (the Mesos agent's containers), or empty when disabled
 */
public record AgentConfig(
    List<URI> etcdEndpoints,
    Optional<EtcdTls> etcdTls,
    String nodeName,
    Path socket,
    Optional<IpAddress> hostIp,
    Path stateDir,
    List<Integer> hostAllowPorts,
    URI mesosAgentEndpoint,
    Optional<Path> mesosCaFile,
    boolean mesosInsecure,
    Optional<Path> dataplaneNetns,
    Optional<Reclaim> reclaim) {

  public static final Path DEFAULT_SOCKET = Path.of("/run/calyx/agent.sock");
  public static final String DEFAULT_MESOS_AGENT = "http://127.0.0.1:5051";

  public static final Path DEFAULT_MESOS_CNI_DIR = Path.of("/var/run/mesos/isolators/network/cni");

  /**
   * The leak reclaimer's settings.
   *
   * @param timeout bounds each request to the Mesos agent
   * @param principal with {@code secretFile}: HTTP Basic credentials for the Mesos agent
   * @param secretFile the file holding the principal's secret (one line)
   * @param cniDir Mesos' CNI checkpoint directory
   * @param grace how long a container must be unknown before its addresses are released
   * @param interval how often to compare
   */
  public record Reclaim(Duration timeout, Optional<String> principal, Optional<Path> secretFile, Path cniDir, Duration grace, Duration interval) {}

  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9_.\\-]{0,251}[A-Za-z0-9])?");

  /** Raw values as given on the command line; null = not given. */
  public record Raw(
      String etcdEndpoints, String etcdCaCert, String etcdCert, String etcdKey, String nodeName, String socket,
      String hostIp, String stateDir, String hostAllowPorts, String mesosAgentEndpoint, String mesosCaFile, boolean mesosInsecure,
      String dataplaneNetns, RawReclaim reclaim) {
    /** Without reclaim flags (all defaults). */
    public Raw(String etcdEndpoints, String etcdCaCert, String etcdCert, String etcdKey, String nodeName, String socket,
        String hostIp, String stateDir, String hostAllowPorts, String mesosAgentEndpoint, String mesosCaFile, boolean mesosInsecure,
        String dataplaneNetns) {
      this(etcdEndpoints, etcdCaCert, etcdCert, etcdKey, nodeName, socket, hostIp, stateDir, hostAllowPorts, mesosAgentEndpoint,
          mesosCaFile, mesosInsecure, dataplaneNetns, RawReclaim.DEFAULTS);
    }

    /** Without {@code --dataplane-netns}. */
    public Raw(String etcdEndpoints, String etcdCaCert, String etcdCert, String etcdKey, String nodeName, String socket,
        String hostIp, String stateDir, String hostAllowPorts, String mesosAgentEndpoint, String mesosCaFile, boolean mesosInsecure) {
      this(etcdEndpoints, etcdCaCert, etcdCert, etcdKey, nodeName, socket, hostIp, stateDir, hostAllowPorts, mesosAgentEndpoint,
          mesosCaFile, mesosInsecure, null);
    }
  }

  /** The reclaimer's flags as given; null = not given. */
  public record RawReclaim(boolean disabled, String timeout, String principal, String secretFile, String cniDir, String grace, String interval) {
    public static final RawReclaim DEFAULTS = new RawReclaim(false, null, null, null, null, null, null);
  }

  /**
   * Validates the raw flags.
   *
   * @param defaultNodeName the host name, used when {@code --nodename} is not given
   * @throws InvalidValueException naming the flag
   */
  public static AgentConfig validate(Raw raw, String defaultNodeName) {
    List<URI> endpoints = etcdEndpoints(raw.etcdEndpoints());
    String node = raw.nodeName() != null ? raw.nodeName() : defaultNodeName;
    if (node == null || !NODE_NAME.matcher(node).matches()) {
      throw new InvalidValueException("--nodename", InvalidValueException.quote(node)
          + " is not a valid node name (letters, digits, '.', '_', '-'; at most 253)");
    }
    Path socket = raw.socket() != null ? absolute("--socket", raw.socket()) : DEFAULT_SOCKET;
    if (socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
      throw new InvalidValueException("--socket", "path is longer than 107 bytes (the limit of a unix socket address)");
    }
    Optional<IpAddress> hostIp = Optional.ofNullable(raw.hostIp()).map(ip -> IpAddress.parse("--host-ip", ip));
    Path stateDir = raw.stateDir() != null ? absolute("--state-dir", raw.stateDir()) : Path.of("/var/lib/calyx", node);
    URI mesos = url("--mesos-agent-endpoint", raw.mesosAgentEndpoint() != null ? raw.mesosAgentEndpoint() : DEFAULT_MESOS_AGENT);
    if (raw.mesosInsecure() && raw.mesosCaFile() != null) {
      throw new InvalidValueException("--mesos-insecure", "cannot be combined with --mesos-ca-file (verify with the CA, or not at all)");
    }
    Optional<EtcdTls> etcdTls = etcdTls(raw);
    EtcdTls.checkSchemes(endpoints, etcdTls.isPresent());
    // Reads the certificates and key now: a bad file is a start-up error naming its flag, not a failing ADD.
    etcdTls.ifPresent(EtcdTls::sslContext);
    return new AgentConfig(
        endpoints,
        etcdTls,
        node,
        socket,
        hostIp,
        stateDir,
        ports(raw.hostAllowPorts() != null ? raw.hostAllowPorts() : "5051"),
        mesos,
        Optional.ofNullable(raw.mesosCaFile()).map(f -> readableFile("--mesos-ca-file", f)),
        raw.mesosInsecure(),
        Optional.ofNullable(raw.dataplaneNetns()).map(f -> readableFile("--dataplane-netns", f)),
        reclaim(raw.reclaim()));
  }

  private static Optional<Reclaim> reclaim(RawReclaim r) {
    if (r.disabled()) {
      return Optional.empty();
    }
    Duration timeout = duration("--mesos-timeout", r.timeout() != null ? r.timeout() : "5s", Duration.ofMillis(100), Duration.ofMinutes(5));
    if ((r.principal() == null) != (r.secretFile() == null)) {
      throw new InvalidValueException("--mesos-principal", "--mesos-principal and --mesos-secret-file go together");
    }
    if (r.principal() != null && (r.principal().isEmpty() || r.principal().contains(":") || r.principal().chars().anyMatch(Character::isISOControl))) {
      throw new InvalidValueException("--mesos-principal", InvalidValueException.quote(r.principal()) + " is not a valid principal (non-empty, no ':')");
    }
    Duration grace = duration("--reclaim-grace", r.grace() != null ? r.grace() : "10m", Duration.ZERO, Duration.ofDays(30));
    Duration interval = duration("--reclaim-interval", r.interval() != null ? r.interval() : "60s", Duration.ofMillis(100), Duration.ofDays(1));
    return Optional.of(new Reclaim(timeout, Optional.ofNullable(r.principal()),
        Optional.ofNullable(r.secretFile()).map(f -> readableFile("--mesos-secret-file", f)),
        r.cniDir() != null ? absolute("--mesos-cni-dir", r.cniDir()) : DEFAULT_MESOS_CNI_DIR, grace, interval));
  }

  private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)?");

  /** {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}; a bare number is seconds. */
  static Duration duration(String flag, String text, Duration min, Duration max) {
    java.util.regex.Matcher m = DURATION.matcher(text.strip());
    if (!m.matches()) {
      throw new InvalidValueException(flag, InvalidValueException.quote(text) + " is not a duration (e.g. 30s, 10m, 1h, 500ms)");
    }
    long n = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2) == null ? "s" : m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofSeconds(n);
    };
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw new InvalidValueException(flag, InvalidValueException.quote(text) + " is out of range (" + min + " to " + max + ")");
    }
    return d;
  }

  private static List<URI> etcdEndpoints(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidValueException("--etcd-endpoints", "is required (e.g. --etcd-endpoints http://127.0.0.1:2379)");
    }
    List<URI> out = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      out.add(url("--etcd-endpoints", part.strip()));
    }
    return List.copyOf(out);
  }

  private static URI url(String flag, String text) {
    try {
      URI uri = new URI(text);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null || uri.getPort() < 1) {
        throw new InvalidValueException(flag, InvalidValueException.quote(text) + " is not an http(s)://HOST:PORT URL");
      }
      return uri;
    } catch (java.net.URISyntaxException e) {
      throw new InvalidValueException(flag, InvalidValueException.quote(text) + " is not an http(s)://HOST:PORT URL");
    }
  }

  private static Optional<EtcdTls> etcdTls(Raw raw) {
    int given = (raw.etcdCaCert() != null ? 1 : 0) + (raw.etcdCert() != null ? 1 : 0) + (raw.etcdKey() != null ? 1 : 0);
    if (given == 0) {
      return Optional.empty();
    }
    if (given != 3) {
      throw new InvalidValueException("--etcd-cacert", "--etcd-cacert, --etcd-cert and --etcd-key go together");
    }
    return Optional.of(new EtcdTls(
        readableFile("--etcd-cacert", raw.etcdCaCert()),
        readableFile("--etcd-cert", raw.etcdCert()),
        readableFile("--etcd-key", raw.etcdKey())));
  }

  static List<Integer> ports(String text) {
    List<Integer> out = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String p = part.strip();
      int port;
      try {
        port = Integer.parseInt(p);
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65535) {
        throw new InvalidValueException("--host-allow-ports", InvalidValueException.quote(p) + " is not a port (1-65535)");
      }
      if (!out.contains(port)) {
        out.add(port);
      }
    }
    return List.copyOf(out);
  }

  private static Path absolute(String flag, String text) {
    Path p = Path.of(text);
    if (!p.isAbsolute()) {
      throw new InvalidValueException(flag, InvalidValueException.quote(text) + " must be an absolute path");
    }
    return p.normalize();
  }

  private static Path readableFile(String flag, String text) {
    Path p = Path.of(text);
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      throw new InvalidValueException(flag, InvalidValueException.quote(text) + " is not a readable file");
    }
    return p;
  }
}
