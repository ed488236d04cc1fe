package io.calyx.ipam;

import io.calyx.core.HandleId;
import java.time.Instant;

/**
 * Who holds one address of a block.
 *
 * @param handle the holder (network, container, interface)
 * @param host the node that allocated it
 * @param origin which plugin asked
 * @param since when
 */
public record Allocation(HandleId handle, String host, Origin origin, Instant since) {}
