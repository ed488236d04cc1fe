package io.calyx.ipam;

import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import java.util.List;
import java.util.Set;

/**
 * An allocation for one container interface.
 *
 * @param handle who will hold the addresses (allocating again for the same handle returns the same ones)
 * @param origin which plugin asks
 * @param families the families to allocate one address each of
 * @param pools restrict to these pools (by CIDR); empty = any enabled pool of the family
 * @param requested specific addresses (static IPs): exactly these or an error; they cover their family
 * @param deadline when to give up
 */
public record AllocateRequest(
    HandleId handle, Origin origin, Set<IpFamily> families, List<IpPrefix> pools, List<IpAddress> requested, Deadline deadline) {
  public AllocateRequest {
    families = Set.copyOf(families);
    pools = List.copyOf(pools);
    requested = List.copyOf(requested);
  }
}
