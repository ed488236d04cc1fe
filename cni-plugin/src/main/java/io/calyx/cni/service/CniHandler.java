package io.calyx.cni.service;

import io.calyx.cni.config.NetConf;
import io.calyx.cni.spec.Result;
import io.calyx.core.Deadline;

/**
 * The port through which the CNI layer hands validated requests to the implementation of one executable's
 * role (the calyx plugin or calyx-ipam). Implementations throw {@link io.calyx.cni.spec.CniException} with
 * the code the runtime should see; anything else becomes code 999.
 */
public interface CniHandler {
  /** Sets up the attachment (or, for IPAM, allocates its addresses) and returns the result. Undoes its own work on failure. */
  Result add(AddRequest request);

  /** Removes everything of the attachment. Idempotent: succeeds when there is nothing to remove. */
  void del(DelRequest request);

  /** Verifies that the attachment is as {@code prevResult} says; throws when it is not. */
  void check(CheckRequest request);

  /** Returns normally when ADD can be served; throws code 50 or 51 otherwise. */
  void status(NetConf conf, Deadline deadline);

  /** Releases what belongs to the network but to none of the valid attachments. */
  void gc(GcRequest request);
}
