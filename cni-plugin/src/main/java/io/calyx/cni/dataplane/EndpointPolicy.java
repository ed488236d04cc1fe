package io.calyx.cni.dataplane;

import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.endpoint.Endpoint;

/**
 * Puts a local endpoint's group policy in force and takes it away. ADD calls {@link #apply} before it
 * answers, so a container is protected and reachable the moment its ADD returns.
 */
public interface EndpointPolicy {
  /**
   * Applies {@code endpoint}'s policy; returns once it is in force.
   *
   * @throws RuntimeException when it could not be put in force by {@code deadline} (ADD then fails and
   *     undoes itself)
   */
  void apply(Endpoint endpoint, Deadline deadline);

  /** Removes the policy of {@code handle}; nothing when it has none. Never throws: DEL must succeed. */
  void remove(HandleId handle);

  /** No policy at all (tests of the dataplane alone). */
  EndpointPolicy NONE = new EndpointPolicy() {
    @Override
    public void apply(Endpoint endpoint, Deadline deadline) {}

    @Override
    public void remove(HandleId handle) {}
  };
}
