package io.calyx.ipam;

import io.calyx.core.Deadline;
import io.calyx.core.InvalidValueException;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.node.Node;
import io.calyx.core.node.NodeCodec;
import io.calyx.core.store.Compare;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Removes a departed host: its blocks (so other hosts can claim them), their affinities (so every agent
 * drops its routes to them), its endpoint records, the handles of its allocations and its node record.
 *
 * <p>Without {@code force} it refuses while the node's agent is alive or anything of it is still in use
 * (an endpoint record or an allocated address): those are running containers whose addresses would be
 * handed out again. Each block goes in a transaction compared against the revision it was read at, so an
 * allocation racing the removal makes it stop with a clear message instead of being lost.
 */
public final class NodeRemoval {
  /** Operations per transaction (etcd allows 128). */
  static final int OPS_PER_TXN = 100;

  private final Datastore store;

  public NodeRemoval(Datastore store) {
    this.store = store;
  }

  /** What a node holds in the datastore. */
  public record Holdings(Optional<Node> node, OwnedBlocks blocks, int allocated, List<String> endpointKeys) {
    public boolean isEmpty() {
      return node.isEmpty() && blocks.affinities().isEmpty() && endpointKeys.isEmpty();
    }
  }

  /** What was removed. */
  public record Removed(int blocks, int allocations, int endpoints) {}

  /** Reads what {@code name} holds. */
  public Holdings holdings(String name, Deadline deadline) {
    Optional<Node> node = store.get(Node.key(name), deadline).map(kv -> NodeCodec.decode(kv.key(), kv.value()));
    OwnedBlocks blocks = OwnedBlocks.read(store, name, deadline);
    int allocated = blocks.decoded().stream().mapToInt(Block::used).sum();
    List<String> endpoints = store.list(Endpoint.ROOT + name + "/", deadline).kvs().stream().map(KeyValue::key).toList();
    return new Holdings(node, blocks, allocated, endpoints);
  }

  /**
   * Removes {@code name}.
   *
   * @param aliveWithin a heartbeat younger than this means the agent still runs
   * @throws InvalidValueException (naming {@code NAME}) when there is no such node, or it is alive or in
   *     use and {@code force} is not set, or a block changed during the removal
   */
  public Removed remove(String name, boolean force, Instant now, Duration aliveWithin, Deadline deadline) {
    Holdings h = holdings(name, deadline);
    if (h.isEmpty()) {
      throw new InvalidValueException("NAME", "no node " + InvalidValueException.quote(name) + " (calyxctl node list)");
    }
    if (!force && h.node().isPresent() && h.node().get().alive(now, aliveWithin)) {
      long ago = Duration.between(h.node().get().heartbeat(), now).toSeconds();
      throw new InvalidValueException("NAME", "node " + name + " is alive (heartbeat " + Math.max(0, ago)
          + " s ago); stop its calyx-agent first, or use --force");
    }
    if (!force && (h.allocated() > 0 || !h.endpointKeys().isEmpty())) {
      throw new InvalidValueException("NAME", "node " + name + " still has " + h.endpointKeys().size() + " endpoint(s) and "
          + h.allocated() + " allocated address(es); they are freed only with --force");
    }
    for (KeyValue block : h.blocks().blocks()) {
      removeBlock(block, deadline);
    }
    // Affinities without their block (left by hand or an old bug) would still draw routes: drop them too
    // (deleting the ones that went with their blocks again is harmless).
    deleteAll(h.blocks().affinities().stream().map(KeyValue::key).toList(), deadline);
    deleteAll(h.endpointKeys(), deadline);
    store.txn(new Txn(List.of(), List.of(Op.delete(Node.key(name)))), deadline);
    return new Removed(h.blocks().blocks().size(), h.allocated(), h.endpointKeys().size());
  }

  /** The handles of the block's allocations, then the block and its affinity, compared to the read. */
  private void removeBlock(KeyValue kv, Deadline deadline) {
    Block b = Codec.decodeBlock(kv);
    Set<String> handles = new LinkedHashSet<>();
    b.allocations().values().forEach(a -> handles.add(Keys.handle(a.handle())));
    List<Op> ops = new ArrayList<>(List.of(Op.delete(kv.key()), Op.delete(Keys.affinity(b.owner(), b.cidr()))));
    // A block of up to ~100 allocations (a /26 has 62) goes with its handles in one transaction; a bigger
    // one goes first and its handles follow, so a crash in between leaves handles but never a live block
    // whose handles are gone.
    boolean together = handles.size() + ops.size() <= OPS_PER_TXN;
    if (together) {
      handles.forEach(k -> ops.add(Op.delete(k)));
    }
    if (!store.txn(new Txn(List.of(Compare.modRevision(kv.key(), kv.modRevision())), ops), deadline).succeeded()) {
      throw new InvalidValueException("NAME", "block " + b.cidr() + " of node " + b.owner()
          + " changed during the removal (is its agent still running?); nothing more removed, try again");
    }
    if (!together) {
      deleteAll(List.copyOf(handles), deadline);
    }
  }

  private void deleteAll(List<String> keys, Deadline deadline) {
    for (int i = 0; i < keys.size(); i += OPS_PER_TXN) {
      List<Op> ops = keys.subList(i, Math.min(keys.size(), i + OPS_PER_TXN)).stream().map(Op::delete).toList();
      store.txn(new Txn(List.of(), ops), deadline);
    }
  }
}
