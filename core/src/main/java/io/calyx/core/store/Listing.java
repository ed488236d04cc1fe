package io.calyx.core.store;

import java.util.List;

/**
 * The keys under a prefix at one revision.
 *
 * @param kvs the keys in key order
 * @param revision the store revision the listing reflects (a watch from {@code revision + 1} misses nothing)
 */
public record Listing(List<KeyValue> kvs, long revision) {
  public Listing {
    kvs = List.copyOf(kvs);
  }
}
