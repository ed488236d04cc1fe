package io.calyx.cni.config;

import io.calyx.cni.spec.CniException;
import io.calyx.cni.spec.JsonFields;
import io.calyx.core.InvalidValueException;
import io.calyx.core.mesos.IpAddressRequest;
import io.calyx.core.mesos.Label;
import io.calyx.core.mesos.NetworkInfo;
import io.calyx.core.mesos.PortMapping;
import io.calyx.core.mesos.Protocol;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import java.util.List;
import java.util.Optional;

/**
 * Reads {@code args["org.apache.mesos"]["network_info"]}: the JSON form of Mesos' {@code NetworkInfo}
 * protobuf (snake_case keys; labels nested twice, {@code {"labels":{"labels":[{"key":..,"value":..}]}}};
 * enum names for protocols). Unknown keys are ignored, wrong types are a code 7 naming the field.
 */
public final class MesosArgsParser {
  public static final String MESOS_KEY = "org.apache.mesos";

  private MesosArgsParser() {}

  /** The NetworkInfo inside a config's {@code args}, if Mesos put one there. */
  public static Optional<NetworkInfo> parse(JsonFields conf) {
    Optional<JsonFields> args = conf.object("args");
    if (args.isEmpty()) {
      return Optional.empty();
    }
    Optional<JsonFields> mesos = args.get().object(MESOS_KEY);
    if (mesos.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(mesos.get().object("network_info").map(MesosArgsParser::networkInfo).orElse(NetworkInfo.empty()));
  }

  static NetworkInfo networkInfo(JsonFields ni) {
    List<Label> labels =
        ni.object("labels").map(l -> l.objects("labels").stream().map(MesosArgsParser::label).toList()).orElse(List.of());
    return new NetworkInfo(
        ni.string("name"),
        labels,
        ni.strings("groups"),
        ni.objects("port_mappings").stream().map(MesosArgsParser::portMapping).toList(),
        ni.objects("ip_addresses").stream().map(MesosArgsParser::ipAddress).toList());
  }

  private static Label label(JsonFields l) {
    return new Label(l.requiredString("key"), l.string("value"));
  }

  private static PortMapping portMapping(JsonFields p) {
    int containerPort = p.integer("container_port", 0, 65535).orElseThrow(() -> p.error("container_port", "is required"));
    int hostPort = p.integer("host_port", 0, 65535).orElseThrow(() -> p.error("host_port", "is required"));
    List<Protocol> protocols = p.validate(() -> Protocol.parseList(p.path("protocol"), p.string("protocol").orElse(null)));
    return new PortMapping(containerPort, hostPort, protocols);
  }

  private static IpAddressRequest ipAddress(JsonFields a) {
    IpFamily family =
        switch (a.string("protocol").orElse("IPv4")) {
          case "IPv4" -> IpFamily.V4;
          case "IPv6" -> IpFamily.V6;
          default -> throw a.error("protocol", "must be \"IPv4\" or \"IPv6\"");
        };
    Optional<IpAddress> address = a.string("ip_address").map(ip -> a.validate(() -> IpAddress.parse(a.path("ip_address"), ip)));
    if (address.isPresent() && address.get().family() != family) {
      throw new CniException(
          CniException.INVALID_CONFIG,
          a.path("ip_address") + " " + InvalidValueException.quote(address.get().toString()) + " is not an " + (family == IpFamily.V4 ? "IPv4" : "IPv6") + " address",
          "");
    }
    return new IpAddressRequest(family, address);
  }
}
