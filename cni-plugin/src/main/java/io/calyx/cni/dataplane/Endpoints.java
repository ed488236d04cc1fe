package io.calyx.cni.dataplane;

import io.calyx.core.Deadline;
import io.calyx.core.HandleId;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.endpoint.EndpointCodec;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import io.calyx.core.store.Op;
import io.calyx.core.store.Txn;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** This node's endpoint records in the datastore. */
public final class Endpoints {
  private final Datastore store;
  private final String node;

  public Endpoints(Datastore store, String node) {
    this.store = store;
    this.node = node;
  }

  public String node() {
    return node;
  }

  public void put(Endpoint e, Deadline deadline) {
    store.txn(new Txn(List.of(), List.of(putOp(e))), deadline);
  }

  /** The write of {@code e}'s record, for a transaction that does more (the allocation's). */
  public Op putOp(Endpoint e) {
    return Op.put(e.key(), EndpointCodec.encode(e));
  }

  public void delete(HandleId handle, Deadline deadline) {
    store.txn(new Txn(List.of(), List.of(deleteOp(handle))), deadline);
  }

  /** The deletion of {@code handle}'s record, for a transaction that does more (the release's). */
  public Op deleteOp(HandleId handle) {
    return Op.delete(Endpoint.key(node, handle));
  }

  public Optional<Endpoint> get(HandleId handle, Deadline deadline) {
    return store.get(Endpoint.key(node, handle), deadline).map(kv -> EndpointCodec.decode(kv.key(), kv.value()));
  }

  /** The record with its revision, for compare-and-delete. */
  public Optional<KeyValue> getRaw(HandleId handle, Deadline deadline) {
    return store.get(Endpoint.key(node, handle), deadline);
  }

  /** Deletes the record only if it is still at {@code modRevision}; false when it changed or is gone. */
  public boolean deleteIfUnchanged(HandleId handle, long modRevision, Deadline deadline) {
    String key = Endpoint.key(node, handle);
    return store.txn(new Txn(List.of(io.calyx.core.store.Compare.modRevision(key, modRevision)), List.of(Op.delete(key))), deadline).succeeded();
  }

  /** This node's endpoints. */
  public List<Endpoint> list(Deadline deadline) {
    List<Endpoint> out = new ArrayList<>();
    for (KeyValue kv : store.list(Endpoint.ROOT + node + "/", deadline).kvs()) {
      out.add(EndpointCodec.decode(kv.key(), kv.value()));
    }
    return out;
  }
}
