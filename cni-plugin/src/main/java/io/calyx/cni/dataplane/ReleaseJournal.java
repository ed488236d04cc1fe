package io.calyx.cni.dataplane;

import io.calyx.core.HandleId;

/**
 * Durable record of releases DEL could not complete because the datastore was unreachable: DEL then
 * still succeeds (a failing DEL wedges a Mesos container) and the agent completes the release later.
 */
public interface ReleaseJournal {
  /** Records that {@code handle}'s allocation and endpoint record must be released. Durable when it returns. */
  void record(HandleId handle);
}
