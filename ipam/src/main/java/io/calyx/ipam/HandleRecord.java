package io.calyx.ipam;

import io.calyx.core.HandleId;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import java.time.Instant;
import java.util.List;

/**
 * Who holds which addresses: written in the same transaction as the block(s), so it never exists without
 * its allocation or the other way round. Release by handle reads it to find the blocks.
 *
 * @param handle network, container, interface
 * @param host the node that allocated
 * @param origin which plugin asked
 * @param since when
 * @param ips the addresses and the blocks they are in
 */
public record HandleRecord(HandleId handle, String host, Origin origin, Instant since, List<AssignedIp> ips) {
  public HandleRecord {
    ips = List.copyOf(ips);
  }

  /** One held address. */
  public record AssignedIp(IpAddress ip, IpPrefix block) {}
}
