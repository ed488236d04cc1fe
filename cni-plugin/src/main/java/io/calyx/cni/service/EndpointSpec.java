package io.calyx.cni.service;

import io.calyx.core.GroupName;
import io.calyx.core.NetworkName;
import io.calyx.core.mesos.GroupResolver;
import io.calyx.core.mesos.IpAddressRequest;
import io.calyx.core.mesos.LabelSanitizer;
import io.calyx.core.mesos.NetworkInfo;
import io.calyx.core.mesos.PortMapping;
import java.util.List;
import java.util.Map;

/**
 * What a container asked of its network, decided from the Mesos {@code NetworkInfo}: its policy groups,
 * its labels (sanitised), its port mappings and its address requests.
 *
 * @param groups resolved as CONTRACT.md says (groups, else label {@code calyx.groups}, else the network name)
 * @param labels sanitised labels (after {@code calyx.groups} was read raw)
 * @param portMappings port mappings, protocols split
 * @param requestedIps address requests (a specific address is a static IP request)
 */
public record EndpointSpec(
    List<GroupName> groups, Map<String, String> labels, List<PortMapping> portMappings, List<IpAddressRequest> requestedIps) {
  public EndpointSpec {
    groups = List.copyOf(groups);
    labels = Map.copyOf(labels);
    portMappings = List.copyOf(portMappings);
    requestedIps = List.copyOf(requestedIps);
  }

  /**
   * Builds the spec of a container on {@code network}.
   *
   * @throws io.calyx.core.InvalidValueException when a group name is invalid
   */
  public static EndpointSpec of(NetworkInfo info, NetworkName network) {
    return new EndpointSpec(
        GroupResolver.resolve(info, network),
        new java.util.TreeMap<>(LabelSanitizer.sanitize(info.labels())),
        info.portMappings(),
        info.ipAddresses());
  }
}
