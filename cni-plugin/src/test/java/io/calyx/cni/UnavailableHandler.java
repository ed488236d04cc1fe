package io.calyx.cni;

import io.calyx.cni.config.NetConf;
import io.calyx.cni.service.AddRequest;
import io.calyx.cni.service.CheckRequest;
import io.calyx.cni.service.CniHandler;
import io.calyx.cni.service.DelRequest;
import io.calyx.cni.service.GcRequest;
import io.calyx.cni.spec.CniException;
import io.calyx.cni.spec.Result;
import io.calyx.core.Deadline;

/**
 * A test handler for a role whose backend is not there: every request that would need it fails with code 50
 * and the reason, so an operator sees at once why, instead of a half-configured container. DEL succeeds,
 * because without a backend nothing can have been set up, and a failing DEL wedges a Mesos container.
 */
public final class UnavailableHandler implements CniHandler {
  private final String reason;

  public UnavailableHandler(String reason) {
    this.reason = reason;
  }

  private CniException unavailable() {
    return new CniException(CniException.NOT_AVAILABLE, "calyx-agent cannot serve this request", reason);
  }

  @Override
  public Result add(AddRequest request) {
    throw unavailable();
  }

  @Override
  public void del(DelRequest request) {
    // Nothing can exist to remove: ADD never succeeds through this handler.
  }

  @Override
  public void check(CheckRequest request) {
    throw unavailable();
  }

  @Override
  public void status(NetConf conf, Deadline deadline) {
    throw unavailable();
  }

  @Override
  public void gc(GcRequest request) {
    // Nothing to collect, for the same reason as DEL.
  }
}
