package io.calyx.cni.ipam;

import io.calyx.cni.spec.CniException;
import io.calyx.core.Deadline;
import io.calyx.core.Futures;
import io.calyx.core.HandleId;
import io.calyx.core.NetworkName;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.DatastoreUnavailableException;
import io.calyx.ipam.AllocateRequest;
import io.calyx.ipam.AllocationCompanion;
import io.calyx.ipam.CorruptDocumentException;
import io.calyx.ipam.HandleRecord;
import io.calyx.ipam.IpamException;
import io.calyx.ipam.IpamNode;
import io.calyx.ipam.Pool;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** The {@link AddressManager} of a host backed by its {@link IpamNode}; maps IPAM failures to CNI codes. */
public final class NodeAddressManager implements AddressManager {
  /** calyx-specific: no address left (the pools are exhausted for this host). */
  public static final int POOL_EXHAUSTED = 101;
  /** calyx-specific: a requested address cannot be given (in use, reserved, another host's block, no pool). */
  public static final int ADDRESS_UNAVAILABLE = 102;

  private final IpamNode node;

  public NodeAddressManager(IpamNode node) {
    this.node = node;
  }

  @Override
  public HandleRecord allocate(AllocateRequest request) {
    // The caller waits for the answer: let it commit the request itself when the allocator is idle.
    return call(() -> await(node.allocator(request.deadline()).allocateWaiting(request), request.deadline()));
  }

  @Override
  public CompletableFuture<HandleRecord> allocate(AllocateRequest request, AllocationCompanion companion) {
    CompletableFuture<HandleRecord> started;
    try {
      started = node.allocator(request.deadline()).allocate(request, companion);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(translate(e));
    }
    return started.orTimeout(Math.max(1, request.deadline().remaining().toMillis()), TimeUnit.MILLISECONDS)
        .handle((record, err) -> {
          if (err == null) {
            return record;
          }
          Throwable cause = Futures.unwrap(err);
          throw translate(cause instanceof TimeoutException
              ? new DatastoreUnavailableException("the allocation did not finish within the request's timeout", cause)
              : cause instanceof RuntimeException r ? r : new IllegalStateException(cause));
        });
  }

  @Override
  public void release(HandleId handle, Deadline deadline) {
    release(handle, deadline, AllocationCompanion.NONE);
  }

  @Override
  public void release(HandleId handle, Deadline deadline, AllocationCompanion companion) {
    // Waiting: the caller blocks on the release anyway (a DEL answers after it), so an idle allocator lets
    // it commit on its own thread, two hand-offs fewer.
    call(() -> await(node.allocator(deadline).releaseWaiting(handle, deadline, companion), deadline));
  }

  @Override
  public Optional<HandleRecord> find(HandleId handle, Deadline deadline) {
    return call(() -> node.allocator(deadline).find(handle, deadline));
  }

  @Override
  public List<HandleRecord> handlesOnThisHost(NetworkName network, Deadline deadline) {
    return call(() -> node.handles(network, deadline));
  }

  @Override
  public void checkReady(List<IpPrefix> pools, boolean v4, boolean v6, Deadline deadline) {
    List<Pool> all;
    try {
      all = node.pools(deadline).all();
      node.store().get("/calyx/v1/ipam/ready-probe", deadline);
    } catch (DatastoreUnavailableException e) {
      throw new CniException(CniException.NOT_AVAILABLE, "the datastore is unreachable", e.getMessage());
    }
    for (IpFamily family : IpFamily.values()) {
      if ((family == IpFamily.V4 && !v4) || (family == IpFamily.V6 && !v6)) {
        continue;
      }
      boolean any = all.stream().anyMatch(p -> p.cidr().family() == family && !p.disabled()
          && (pools.isEmpty() || pools.contains(p.cidr())));
      if (!any) {
        throw new CniException(CniException.NOT_AVAILABLE,
            "no enabled " + (family == IpFamily.V4 ? "IPv4" : "IPv6") + " pool" + (pools.isEmpty() ? "" : " among " + pools),
            "add one with 'calyxctl pool add CIDR'");
      }
    }
  }

  private static <T> T await(CompletableFuture<T> future, Deadline deadline) {
    try {
      return future.get(Math.max(1, deadline.remaining().toMillis()), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new DatastoreUnavailableException("the allocation did not finish within the request's timeout", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DatastoreUnavailableException("interrupted", e);
    }
  }

  private static <T> T call(Supplier<T> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  /** The CNI error the runtime should see for an IPAM failure; other exceptions as they are. */
  private static RuntimeException translate(RuntimeException failure) {
    return switch (failure) {
      case IpamException e -> new CniException(switch (e.kind()) {
        case NO_POOL -> CniException.INVALID_CONFIG;
        case POOL_EXHAUSTED -> POOL_EXHAUSTED;
        case ADDRESS_UNAVAILABLE -> ADDRESS_UNAVAILABLE;
        case CONTENTION -> CniException.TRY_AGAIN_LATER;
      }, e.getMessage(), "");
      case DatastoreUnavailableException e ->
          new CniException(CniException.TRY_AGAIN_LATER, "the calyx datastore (etcd) is unavailable; try again later", e.getMessage());
      case CorruptDocumentException e -> new CniException(CniException.INTERNAL, e.getMessage(), "repair with calyxctl ipam check");
      default -> failure;
    };
  }
}
