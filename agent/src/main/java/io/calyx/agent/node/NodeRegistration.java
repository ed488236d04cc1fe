package io.calyx.agent.node;

import io.calyx.core.Deadline;
import io.calyx.core.node.Node;
import io.calyx.core.node.NodeCodec;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's record (name, host addresses, agent version) and its heartbeat: one small write per
 * {@link Node#HEARTBEAT_INTERVAL}. The heartbeat only tells operators whether an agent runs
 * ({@code calyxctl node list}); routes never depend on it. The record stays when the agent stops: a
 * restarting agent is not a departed node.
 */
public final class NodeRegistration {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRegistration.class);

  private final Datastore store;
  private final Clock clock;
  private volatile Node node;
  private volatile boolean registered;

  public NodeRegistration(Datastore store, Node node, Clock clock) {
    this.store = store;
    this.node = node;
    this.clock = clock;
  }

  /** Writes the record with a fresh heartbeat; throws when etcd cannot be reached. */
  public void beat() {
    Node next = node.beat(clock.instant());
    store.txn(new Txn(List.of(), List.of(Op.put(next.key(), NodeCodec.encode(next)))), Deadline.in(Duration.ofSeconds(5), clock));
    node = next;
    if (!registered) {
      LOG.info("node {} registered (IPv4 {}, IPv6 {})", next.name(), next.ipv4().map(Object::toString).orElse("none"),
          next.ipv6().map(Object::toString).orElse("none (no IPv6 routes to this host's IPv6 blocks)"));
      registered = true;
    }
  }

  /** Whether the record has been written at least once. */
  public boolean registered() {
    return registered;
  }

  public Node node() {
    return node;
  }
}
