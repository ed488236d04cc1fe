package io.calyx.cli;

import io.calyx.core.Deadline;
import io.calyx.core.endpoint.Endpoint;
import io.calyx.core.endpoint.EndpointCodec;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import java.util.ArrayList;
import java.util.List;

/**
 * The endpoint records under a prefix, decoded; the keys of records that do not decode are kept apart so a
 * command can warn about (or, for {@code ipam check}, report) them instead of failing on one bad record.
 *
 * @param endpoints the readable records
 * @param unreadable keys of the unreadable ones, with why
 */
record EndpointRecords(List<Endpoint> endpoints, List<Unreadable> unreadable) {
  /** A record that does not decode. */
  record Unreadable(String key, String problem) {}

  static EndpointRecords read(Datastore store, String prefix, Deadline deadline) {
    return decode(store.list(prefix, deadline).kvs());
  }

  static EndpointRecords decode(List<KeyValue> kvs) {
    List<Endpoint> endpoints = new ArrayList<>();
    List<Unreadable> unreadable = new ArrayList<>();
    for (KeyValue kv : kvs) {
      try {
        endpoints.add(EndpointCodec.decode(kv.key(), kv.value()));
      } catch (IllegalArgumentException e) {
        unreadable.add(new Unreadable(kv.key(), e.getMessage()));
      }
    }
    return new EndpointRecords(List.copyOf(endpoints), List.copyOf(unreadable));
  }
}
