package io.calyx.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.core.net.IpPrefix;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeysTest {
  @ParameterizedTest
  @CsvSource({
    "10.244.0.0/16, 26, /calyx/v1/ipam/blocks/10.244.",
    "10.240.0.0/12, 26, /calyx/v1/ipam/blocks/10.2",
    "10.0.0.0/8, 24, /calyx/v1/ipam/blocks/10.",
    "192.168.7.0/24, 28, /calyx/v1/ipam/blocks/192.168.7.",
    "10.0.0.96/27, 30, /calyx/v1/ipam/blocks/10.0.0.",
    "172.16.128.0/19, 26, /calyx/v1/ipam/blocks/172.16.1",
    "10.0.0.0/28, 30, /calyx/v1/ipam/blocks/10.0.0.",
    "fd00:44::/48, 122, /calyx/v1/ipam/blocks/",
    "fd00:44::/112, 122, /calyx/v1/ipam/blocks/",
  })
  void everyBlockKeyOfAPoolLiesUnderItsPrefixAndNamesItsBlock(String cidr, int blockSize, String prefix) {
    Pool pool = new Pool(IpPrefix.parseNetwork("c", cidr), blockSize, false, Instant.EPOCH);
    assertThat(Keys.blocksOf(pool)).isEqualTo(prefix);
    Random random = new Random(7);
    for (int i = 0; i < 2000; i++) {
      long index = i < pool.blockCount() && pool.blockCount() <= 2000 ? i
          : i < 2 ? i * (pool.blockCount() - 1) : Math.floorMod(random.nextLong(), pool.blockCount());
      IpPrefix block = BlockClaimer.blockAt(pool, index);
      assertThat(Keys.block(block)).startsWith(prefix);
      assertThat(Keys.blockOf(Keys.block(block))).contains(block);
    }
  }

  @org.junit.jupiter.api.Test
  void theBlockPrefixHoldsForRandomIpv4Pools() {
    Random random = new Random(11);
    for (int p = 0; p < 2000; p++) {
      int length = 8 + random.nextInt(21);
      int blockSize = Math.max(length, 16) + random.nextInt(31 - Math.max(length, 16));
      int base = random.nextInt() & (length == 0 ? 0 : -1 << (32 - length));
      IpPrefix cidr = IpPrefix.parseNetwork("c", ((base >>> 24) & 255) + "." + ((base >>> 16) & 255) + "." + ((base >>> 8) & 255) + "."
          + (base & 255) + "/" + length);
      Pool pool = new Pool(cidr, blockSize, false, Instant.EPOCH);
      String prefix = Keys.blocksOf(pool);
      for (int i = 0; i < 50; i++) {
        long index = i < 2 ? i * (pool.blockCount() - 1) : Math.floorMod(random.nextLong(), pool.blockCount());
        assertThat(Keys.block(BlockClaimer.blockAt(pool, index))).as("pool %s /%d", cidr, blockSize).startsWith(prefix);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/calyx/v1/ipam/blocks/10.0.0.0", "/calyx/v1/ipam/blocks/10.0.0.1-30", "/calyx/v1/ipam/blocks/x-26",
      "/calyx/v1/ipam/blocks/10.0.0.0-", "/calyx/v1/ipam/affinities/h1/10.0.0.0-26", ""})
  void aKeyThatIsNoWellFormedBlockKeyNamesNoBlock(String key) {
    assertThat(Keys.blockOf(key)).isEmpty();
  }
}
