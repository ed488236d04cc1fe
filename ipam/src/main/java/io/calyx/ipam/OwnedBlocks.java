package io.calyx.ipam;

import io.calyx.core.Deadline;
import io.calyx.core.store.Datastore;
import io.calyx.core.store.KeyValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A host's blocks as stored: its affinities, and for each the block document if it exists and names the
 * host as its owner (an affinity left without its block, or pointing at another host's block, is not one
 * of its blocks).
 *
 * @param affinities the host's affinity documents, all of them
 * @param blocks the block documents the host owns, with their revisions (for compare-and-delete)
 */
public record OwnedBlocks(List<KeyValue> affinities, List<KeyValue> blocks) {
  public OwnedBlocks {
    affinities = List.copyOf(affinities);
    blocks = List.copyOf(blocks);
  }

  /** Reads {@code host}'s affinities and blocks: one listing plus one read per block. */
  public static OwnedBlocks read(Datastore store, String host, Deadline deadline) {
    List<KeyValue> affinities = store.list(Keys.affinities(host), deadline).kvs();
    List<KeyValue> blocks = new ArrayList<>();
    for (KeyValue a : affinities) {
      Optional<KeyValue> block = store.get(Keys.block(Codec.decodeAffinity(a).block()), deadline);
      if (block.isPresent() && Codec.decodeBlock(block.get()).owner().equals(host)) {
        blocks.add(block.get());
      }
    }
    return new OwnedBlocks(affinities, blocks);
  }

  /** The blocks, decoded. */
  public List<Block> decoded() {
    return blocks.stream().map(Codec::decodeBlock).toList();
  }
}
