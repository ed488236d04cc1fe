package io.calyx.core.mesos;

import java.util.List;
import java.util.Optional;

/**
 * The Mesos {@code NetworkInfo} of one container network, as Mesos passes it in
 * {@code args["org.apache.mesos"]["network_info"]}. Lists keep the order Mesos sent; nothing here is
 * sanitised yet.
 *
 * @param name the network name ({@code NetworkInfo.name}); Mesos skips unnamed networks, so it is normally set
 * @param labels the task's labels, raw
 * @param groups the task's groups, raw (Marathon 1.5+ never sends any)
 * @param portMappings host port to container port mappings
 * @param ipAddresses address requests (Marathon always sends one default IPv4 request)
 */
public record NetworkInfo(
    Optional<String> name,
    List<Label> labels,
    List<String> groups,
    List<PortMapping> portMappings,
    List<IpAddressRequest> ipAddresses) {
  public NetworkInfo {
    labels = List.copyOf(labels);
    groups = List.copyOf(groups);
    portMappings = List.copyOf(portMappings);
    ipAddresses = List.copyOf(ipAddresses);
  }

  /** A NetworkInfo with nothing in it (what a plain CNI invocation without Mesos args amounts to). */
  public static NetworkInfo empty() {
    return new NetworkInfo(Optional.empty(), List.of(), List.of(), List.of(), List.of());
  }
}
