package io.calyx.cni.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.calyx.cni.request.Role;
import io.calyx.cni.spec.CniException;
import io.calyx.cni.spec.CniVersion;
import io.calyx.cni.spec.Json;
import io.calyx.cni.spec.JsonFields;
import io.calyx.cni.spec.Result;
import io.calyx.cni.spec.ResultCodec;
import io.calyx.core.Attachment;
import io.calyx.core.ContainerId;
import io.calyx.core.InterfaceName;
import io.calyx.core.InvalidValueException;
import io.calyx.core.NetworkName;
import io.calyx.core.net.IpPrefix;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Parses and validates a network configuration from stdin. Errors: code 6 when the bytes are not JSON,
 * code 1 for an unsupported {@code cniVersion}, code 2 for a field calyx does not support, code 7 for
 * anything else that is wrong, each naming the field.
 */
public final class NetConfParser {
  /** sun_path holds 108 bytes including the terminating NUL. */
  public static final int MAX_SOCKET_PATH_BYTES = 107;

  private NetConfParser() {}

  /** Parses the configuration a {@code role} executable received. */
  public static NetConf parse(byte[] stdin, Role role) {
    JsonFields conf = JsonFields.of(Json.parse(stdin, "the network configuration on stdin"), "", CniException.INVALID_CONFIG);
    CniVersion version = version(conf);
    NetworkName name = conf.validate(() -> NetworkName.of(conf.requiredString("name")));
    String type = conf.requiredString("type");
    IpamConf ipam = ipam(conf, role);
    Optional<String> socket = conf.string("agent_socket");
    socket.ifPresent(s -> checkSocketPath(conf, "agent_socket", s));
    int timeout = conf.integer("timeout_seconds", 1, NetConf.MAX_TIMEOUT_SECONDS).orElse(NetConf.DEFAULT_TIMEOUT_SECONDS);
    OptionalInt mtu = conf.integer("mtu", 68, 65535);
    Result.Dns dns = conf.object("dns").map(ResultCodec::decodeDns).orElse(Result.Dns.EMPTY);
    Optional<Result> prev = conf.raw("prevResult").map(p -> ResultCodec.decode(p, "prevResult"));
    return new NetConf(
        version, name, type, socket, mtu, timeout, ipam, dns,
        MesosArgsParser.parse(conf), prev, attachments(conf), requestedIps(conf));
  }

  /**
   * Addresses asked for through the CNI {@code ips} capability ({@code runtimeConfig.ips}) or the
   * {@code args.cni.ips} convention, each {@code "10.1.2.3"} or {@code "10.1.2.3/24"} (the prefix is ignored:
   * calyx decides it).
   */
  static List<io.calyx.core.net.IpAddress> requestedIps(JsonFields conf) {
    List<String> texts = new java.util.ArrayList<>();
    conf.object("runtimeConfig").ifPresent(rc -> texts.addAll(rc.strings("ips")));
    conf.object("args").flatMap(a -> a.object("cni")).ifPresent(cni -> texts.addAll(cni.strings("ips")));
    List<io.calyx.core.net.IpAddress> out = new java.util.ArrayList<>();
    for (String t : texts) {
      String address = t.contains("/") ? t.substring(0, t.indexOf('/')) : t;
      out.add(conf.validate(() -> io.calyx.core.net.IpAddress.parse("runtimeConfig.ips", address)));
    }
    return List.copyOf(new java.util.LinkedHashSet<>(out));
  }

  /**
   * The version a reply should be printed in, read as leniently as possible: used for error replies,
   * which must carry a version even when the configuration is broken.
   */
  public static CniVersion peekVersion(byte[] stdin) {
    try {
      JsonNode node = Json.MAPPER.readTree(new String(stdin, StandardCharsets.UTF_8));
      JsonNode v = node == null ? null : node.get("cniVersion");
      if (v != null && v.isTextual()) {
        return CniVersion.parse(v.textValue()).orElse(CniVersion.LATEST);
      }
    } catch (Exception e) {
      // Not JSON: fall through to the default.
    }
    return CniVersion.DEFAULT;
  }

  /** The network name alone, for a DEL whose configuration is otherwise invalid. */
  public static Optional<NetworkName> peekName(byte[] stdin) {
    try {
      JsonNode node = Json.MAPPER.readTree(stdin);
      JsonNode n = node == null ? null : node.get("name");
      return n != null && n.isTextual() ? Optional.of(NetworkName.of(n.textValue())) : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /**
   * {@code cniVersions} (1.1.0: the runtime lists what the config supports, the plugin picks the highest it
   * supports too) takes precedence over {@code cniVersion}; neither means 0.2.0.
   */
  static CniVersion version(JsonFields conf) {
    List<String> listed = conf.strings("cniVersions");
    if (!listed.isEmpty()) {
      return listed.stream()
          .map(CniVersion::parse)
          .flatMap(Optional::stream)
          .max(Comparator.naturalOrder())
          .orElseThrow(() -> incompatible("none of cniVersions " + listed + " is supported"));
    }
    Optional<String> v = conf.string("cniVersion");
    if (v.isEmpty()) {
      return CniVersion.DEFAULT;
    }
    return CniVersion.parse(v.get())
        .orElseThrow(() -> incompatible("incompatible CNI versions: config is " + InvalidValueException.quote(v.get())));
  }

  private static CniException incompatible(String msg) {
    return new CniException(
        CniException.INCOMPATIBLE_VERSION, msg, "calyx supports " + String.join(", ", CniVersion.supported()));
  }

  private static IpamConf ipam(JsonFields conf, Role role) {
    Optional<JsonFields> section = conf.object("ipam");
    if (section.isEmpty()) {
      if (role == Role.IPAM) {
        throw conf.error("ipam", "is required when calyx-ipam is the IPAM plugin");
      }
      return IpamConf.DEFAULT;
    }
    JsonFields ipam = section.get();
    String type = ipam.requiredString("type");
    if (role == Role.PLUGIN && !type.equals(IpamConf.CALYX_IPAM)) {
      throw new CniException(
          CniException.UNSUPPORTED_FIELD,
          "ipam.type " + InvalidValueException.quote(type) + " is not supported by the calyx plugin",
          "calyx allocates addresses itself: use \"ipam\": {\"type\": \"calyx-ipam\"}");
    }
    ipam.string("agent_socket").ifPresent(s -> checkSocketPath(ipam, "agent_socket", s));
    List<String> poolTexts = ipam.strings("pools");
    List<IpPrefix> pools =
        java.util.stream.IntStream.range(0, poolTexts.size())
            .mapToObj(i -> ipam.validate(() -> IpPrefix.parseNetwork(ipam.path("pools") + "[" + i + "]", poolTexts.get(i))))
            .toList();
    boolean v4 = ipam.bool("assign_ipv4").orElse(true);
    boolean v6 = ipam.bool("assign_ipv6").orElse(false);
    if (!v4 && !v6) {
      throw ipam.error("assign_ipv4", "and ipam.assign_ipv6 are both false: nothing to allocate");
    }
    List<Result.Route> routes = ipam.objects("routes").stream()
        .map(r -> Result.Route.of(
            r.validate(() -> IpPrefix.parseNetwork(r.path("dst"), r.requiredString("dst"))),
            r.string("gw").map(g -> r.validate(() -> io.calyx.core.net.IpAddress.parse(r.path("gw"), g)))))
        .toList();
    return new IpamConf(type, pools, v4, v6, routes);
  }

  private static void checkSocketPath(JsonFields f, String key, String path) {
    if (!path.startsWith("/") || path.getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES || path.indexOf('\0') >= 0) {
      throw f.error(key, InvalidValueException.quote(path) + " must be an absolute path of at most " + MAX_SOCKET_PATH_BYTES + " bytes");
    }
  }

  /** GC's list of attachments to keep; libcni 1.2 sends {@code valid-attachments}, the 1.1.0 text says {@code attachments}. */
  private static Optional<List<Attachment>> attachments(JsonFields conf) {
    for (String key : List.of("cni.dev/valid-attachments", "cni.dev/attachments")) {
      if (conf.has(key)) {
        return Optional.of(conf.objects(key).stream()
            .map(a -> a.validate(() -> new Attachment(
                ContainerId.of(a.requiredString("containerID")), InterfaceName.of(a.requiredString("ifname")))))
            .toList());
      }
    }
    return Optional.empty();
  }
}
