package io.calyx.cni.ipam;

import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.NetworkName;
import io.calyx.core.net.IpPrefix;
import io.calyx.ipam.AllocateRequest;
import io.calyx.ipam.HandleRecord;
import java.util.List;
import java.util.Optional;

/**
 * What the CNI layer needs of the host's IPAM. Implementations throw {@link io.calyx.cni.spec.CniException}
 * with the code the runtime should see.
 */
public interface AddressManager {
  /**
   * Allocates (or returns the existing allocation of) {@code request.handle()}, blocking until it is
   * committed (on the calling thread itself when the host's allocator is idle).
   */
  HandleRecord allocate(AllocateRequest request);

  /**
   * Starts an allocation: a new one is announced to {@code companion} before it is durable and its
   * companion documents are written in the same transaction (see {@link io.calyx.ipam.AllocationCompanion}).
   * The future completes with the committed record, or fails with a {@link io.calyx.cni.spec.CniException}
   * (also when {@code request.deadline()} passes first).
   */
  java.util.concurrent.CompletableFuture<HandleRecord> allocate(AllocateRequest request, io.calyx.ipam.AllocationCompanion companion);

  /** Releases everything {@code handle} holds; nothing when it holds nothing. */
  void release(HandleId handle, Deadline deadline);

  /**
   * Like {@link #release(HandleId, Deadline)}, writing {@code companion}'s documents in the release's
   * transaction when there is one ({@link io.calyx.ipam.AllocationCompanion#written} tells).
   */
  void release(HandleId handle, Deadline deadline, io.calyx.ipam.AllocationCompanion companion);

  /** The allocation of {@code handle}, if any. */
  Optional<HandleRecord> find(HandleId handle, Deadline deadline);

  /** Every allocation of {@code network} made by this host. */
  List<HandleRecord> handlesOnThisHost(NetworkName network, Deadline deadline);

  /** Returns when ADD could succeed (datastore reachable, an enabled pool of each family); throws code 50 otherwise. */
  void checkReady(List<IpPrefix> pools, boolean v4, boolean v6, Deadline deadline);
}
