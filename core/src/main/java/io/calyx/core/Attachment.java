package io.calyx.core;

/**
 * One container interface on one network: how CNI keys an attachment ({@code CNI_CONTAINERID},
 * {@code CNI_IFNAME}).
 */
public record Attachment(ContainerId containerId, InterfaceName ifName) {
  @Override
  public String toString() {
    return containerId + "/" + ifName;
  }
}
