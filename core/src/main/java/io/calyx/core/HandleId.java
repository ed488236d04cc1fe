package io.calyx.core;

/**
 * Who holds an allocation: one container interface on one network. Its text form
 * {@code <network>:<container id>:<interface>} is unambiguous because none of the three may contain a
 * colon, and it is what DEL releases by, so releasing needs neither the netns nor the endpoint.
 */
public record HandleId(NetworkName network, ContainerId containerId, InterfaceName ifName) {
  public static HandleId of(NetworkName network, Attachment attachment) {
    return new HandleId(network, attachment.containerId(), attachment.ifName());
  }

  /**
   * Parses the text form.
   *
   * @throws InvalidValueException if it is not {@code network:container:interface} with valid parts
   */
  public static HandleId parse(String text) {
    String[] parts = text.split(":", -1);
    if (parts.length != 3) {
      throw new InvalidValueException("handle", InvalidValueException.quote(text) + " is not network:container:interface");
    }
    return new HandleId(NetworkName.of(parts[0]), ContainerId.of(parts[1]), InterfaceName.of(parts[2]));
  }

  @Override
  public String toString() {
    return network + ":" + containerId + ":" + ifName;
  }

  // Equality and hash written out over the three strings (whose hashes are cached): the record's generated
  // ones go through method handles, and the IPAM allocator hashes every handle of a block per commit.
  @Override
  public boolean equals(Object o) {
    return o instanceof HandleId h && network.value().equals(h.network.value())
        && containerId.value().equals(h.containerId.value()) && ifName.value().equals(h.ifName.value());
  }

  @Override
  public int hashCode() {
    return (network.value().hashCode() * 31 + containerId.value().hashCode()) * 31 + ifName.value().hashCode();
  }
}
