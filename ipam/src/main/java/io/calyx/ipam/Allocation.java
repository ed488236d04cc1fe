package io.calyx.ipam;

import io.calyx.core.HandleId;

/**
 * Who holds one address of a block: only the handle, to keep the block document (rewritten by every
 * allocation) small; when, by which plugin and on which node are in the handle record.
 *
 * @param handle the holder (network, container, interface)
 */
public record Allocation(HandleId handle) {}
