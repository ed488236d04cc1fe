package io.calyx.ipam;

import io.calyx.core.HandleId;

/**
 * Who holds one address of a block: only the handle, to keep the block document (rewritten by every
 * allocation) small; when, by which plugin and on which node are in the handle record.
 *
 * @param handle the holder (network, container, interface)
 * @param text the handle's text form, as the block document carries it (made once: a block is encoded for
 *     every transaction that changes it, with all of its allocations)
 */
public record Allocation(HandleId handle, String text) {
  public Allocation {
    if (!text.equals(handle.toString())) {
      throw new IllegalArgumentException("allocation text " + text + " is not the handle " + handle);
    }
  }

  public Allocation(HandleId handle) {
    this(handle, handle.toString());
  }
}
