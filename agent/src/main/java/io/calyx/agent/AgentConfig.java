package io.calyx.agent;

import io.calyx.core.InvalidValueException;
import io.calyx.core.net.IpAddress;
import java.net.URI;
import java.nio.file.Files;
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
    Optional<Path> dataplaneNetns) {

  public static final Path DEFAULT_SOCKET = Path.of("/run/calyx/agent.sock");
  public static final String DEFAULT_MESOS_AGENT = "http://127.0.0.1:5051";

  /** Files of etcd client TLS. */
  public record EtcdTls(Path caCert, Path cert, Path key) {}

  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9_.\\-]{0,251}[A-Za-z0-9])?");

  /** Raw values as given on the command line; null = not given. */
  public record Raw(
      String etcdEndpoints, String etcdCaCert, String etcdCert, String etcdKey, String nodeName, String socket,
      String hostIp, String stateDir, String hostAllowPorts, String mesosAgentEndpoint, String mesosCaFile, boolean mesosInsecure,
      String dataplaneNetns) {
    /** Without {@code --dataplane-netns}. */
    public Raw(String etcdEndpoints, String etcdCaCert, String etcdCert, String etcdKey, String nodeName, String socket,
        String hostIp, String stateDir, String hostAllowPorts, String mesosAgentEndpoint, String mesosCaFile, boolean mesosInsecure) {
      this(etcdEndpoints, etcdCaCert, etcdCert, etcdKey, nodeName, socket, hostIp, stateDir, hostAllowPorts, mesosAgentEndpoint,
          mesosCaFile, mesosInsecure, null);
    }
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
    return new AgentConfig(
        endpoints,
        etcdTls(raw),
        node,
        socket,
        hostIp,
        stateDir,
        ports(raw.hostAllowPorts() != null ? raw.hostAllowPorts() : "5051"),
        mesos,
        Optional.ofNullable(raw.mesosCaFile()).map(f -> readableFile("--mesos-ca-file", f)),
        raw.mesosInsecure(),
        Optional.ofNullable(raw.dataplaneNetns()).map(f -> readableFile("--dataplane-netns", f)));
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
