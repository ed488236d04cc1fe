package io.calyx.ipam;

import static io.calyx.ipam.IpamFixture.soon;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.InvalidValueException;
import io.calyx.core.net.IpPrefix;
import io.calyx.core.store.InMemoryDatastore;
import io.calyx.core.store.KeyValue;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Adding pools: the block size a new pool may have. */
class PoolsTest {
  private final InMemoryDatastore store = new InMemoryDatastore();
  private final Pools pools = new Pools(store, Clock.systemUTC());

  private static IpPrefix cidr(String s) {
    return IpPrefix.parseNetwork("c", s);
  }

  @Test
  void blocksOfMoreThan4096AddressesAreRefusedAndNothingIsStored() {
    assertThatThrownBy(() -> pools.add(cidr("10.0.0.0/8"), Optional.of(19), soon()))
        .isInstanceOf(InvalidValueException.class).hasMessage("block-size: block size /19 does not fit pool 10.0.0.0/8: it must be between /20 and /30 (blocks of at most 4096 "
            + "addresses keep each block's document well within etcd's request size limit)");
    assertThatThrownBy(() -> pools.add(cidr("fd00::/48"), Optional.of(112), soon()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("between /116 and /126");
    assertThatThrownBy(() -> pools.add(cidr("10.1.0.0/24"), Optional.of(20), soon()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("between /24 and /30");
    assertThat(pools.list(soon())).isEmpty();
  }

  @Test
  void blocksOf4096AddressesAreTheLargestAccepted() {
    assertThat(pools.add(cidr("10.0.0.0/8"), Optional.of(20), soon()).blockSize()).isEqualTo(20);
    assertThat(pools.add(cidr("fd00::/48"), Optional.of(116), soon()).blockSize()).isEqualTo(116);
    assertThat(pools.list(soon())).hasSize(2);
  }

  /** A pool stored before the limit, with larger blocks, is still read (and so still used and deletable). */
  @Test
  void aStoredPoolWithLargerBlocksIsStillRead() {
    Pool old = new Pool(cidr("10.0.0.0/8"), 16, false, Instant.parse("2026-11-01T00:00:00Z"));
    store.txn(new io.calyx.core.store.Txn(java.util.List.of(), java.util.List.of(io.calyx.core.store.Op.put(Keys.pool(old.cidr()), Codec.encode(old)))), soon());
    assertThat(pools.list(soon())).containsExactly(old);
    assertThat(Codec.decodePool(new KeyValue(Keys.pool(old.cidr()), Codec.encode(old), 1, 1, 1))).isEqualTo(old);
  }
}
