package io.calyx.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.core.HandleId;
import io.calyx.core.net.IpPrefix;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The cache updates its indexes (which blocks hold a handle, which blocks have a free address) from the
 * difference between a block's old and new version. Checked against recomputing them from scratch after
 * every step of random histories: assignments, releases, several of them at once (an ordinal freed and
 * given to another handle), handles holding several ordinals of one block,
 * blocks replaced by equal copies as read back from etcd (new objects), removals and invalidation.
 */
class BlockCacheTest {
  private static final Instant T0 = Instant.parse("2026-11-21T00:00:00Z");

  @Test
  void indexesMatchARecomputationAfterEveryStepOfRandomHistories() {
    Random random = new Random(20261122);
    List<HandleId> handles = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      handles.add(HandleId.parse("net:c" + i + ":eth0"));
    }
    List<IpPrefix> cidrs = List.of(IpPrefix.parseNetwork("b", "10.0.0.0/29"), IpPrefix.parseNetwork("b", "10.0.0.8/29"),
        IpPrefix.parseNetwork("b", "10.0.0.16/29"));
    for (int history = 0; history < 200; history++) {
      BlockCache cache = new BlockCache("h1");
      Map<IpPrefix, Block> truth = new HashMap<>();
      for (int step = 0; step < 60; step++) {
        IpPrefix cidr = cidrs.get(random.nextInt(cidrs.size()));
        Block current = truth.getOrDefault(cidr, Block.create(cidr, "h1", T0));
        Block next = switch (random.nextInt(11)) {
          case 0, 1, 2, 3 -> current.assignNext(new Allocation(handles.get(random.nextInt(handles.size()))), o -> true)
              .map(Block.Assigned::block).orElse(current);
          case 4, 5 -> current.allocations().isEmpty() ? current
              : current.release(List.of(new ArrayList<>(current.allocations().keySet()).get(random.nextInt(current.used()))));
          case 6 -> current.allocations().isEmpty() ? current
              : current.release(current.ordinalsOf(current.allocations().values().iterator().next().handle()));
          case 7 -> Codec.decodeBlock(new io.calyx.core.store.KeyValue(Keys.block(cidr), Codec.encode(current), 1, 1, 1));
          case 8 -> null;
          case 9 -> batch(current, handles, random);
          default -> current;
        };
        if (next == null) {
          cache.remove(cidr);
          truth.remove(cidr);
        } else if (random.nextInt(40) == 0) {
          cache.invalidate();
          truth.clear();
        } else {
          cache.put(next, step);
          truth.put(cidr, next);
        }
        assertIndexes(cache, truth, handles);
      }
    }
  }

  /**
   * Several changes before one put, as a batch makes them: a release, then assignments that may give the
   * freed ordinal to another handle (same ordinal, another allocation).
   */
  private static Block batch(Block current, List<HandleId> handles, Random random) {
    Block b = current;
    if (!b.allocations().isEmpty()) {
      b = b.release(List.of(new ArrayList<>(b.allocations().keySet()).get(random.nextInt(b.used()))));
    }
    for (int i = 0; i < 2; i++) {
      b = b.assignNext(new Allocation(handles.get(random.nextInt(handles.size()))), o -> true).map(Block.Assigned::block).orElse(b);
    }
    return b;
  }

  private static void assertIndexes(BlockCache cache, Map<IpPrefix, Block> truth, List<HandleId> handles) {
    for (HandleId h : handles) {
      Set<IpPrefix> expected = new HashSet<>();
      truth.forEach((cidr, b) -> {
        if (!b.ordinalsOf(h).isEmpty()) {
          expected.add(cidr);
        }
      });
      assertThat(cache.blocksHolding(h)).as("blocks holding %s", h).isEqualTo(expected);
    }
    Set<IpPrefix> withFree = new HashSet<>();
    truth.forEach((cidr, b) -> {
      if (b.free() > 0) {
        withFree.add(cidr);
      }
    });
    assertThat(cache.viewWithFree().stream().map(c -> c.block().cidr()).toList()).containsExactlyInAnyOrderElementsOf(withFree);
    truth.forEach((cidr, b) -> assertThat(cache.get(cidr).orElseThrow().block()).isSameAs(b));
  }
}
