package io.calyx.core.mesos;

import java.util.List;

/** A Mesos port mapping: a host port forwarded to a container port for one or more protocols. */
public record PortMapping(int containerPort, int hostPort, List<Protocol> protocols) {
  public PortMapping {
    protocols = List.copyOf(protocols);
  }
}
