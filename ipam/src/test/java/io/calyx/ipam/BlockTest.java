package io.calyx.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calyx.core.HandleId;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BlockTest {
  private static final Instant T0 = Instant.parse("2026-11-21T00:00:00Z");

  static Allocation alloc(String container) {
    return new Allocation(HandleId.parse("net:" + container + ":eth0"));
  }

  @ParameterizedTest
  @CsvSource({
    "10.0.0.0/29, 8, 10.0.0.1, 10.0.0.7",
    "10.0.0.64/26, 64, 10.0.0.65, 10.0.0.127",
    "fd00::/125, 8, fd00::1, fd00::7",
    "fd00:1::40/122, 64, fd00:1::41, fd00:1::7f",
  })
  void newBlockReservesTheGatewayAndHandsOutTheNetworkAddressLast(String cidr, int size, String gateway, String last) {
    Block b = Block.create(IpPrefix.parseNetwork("c", cidr), "h1", T0).validate();
    assertThat(b.size()).isEqualTo(size);
    assertThat(b.reserved()).containsExactly(1);
    assertThat(b.gateway().toString()).isEqualTo(gateway);
    assertThat(b.free()).isEqualTo(size - 1);
    assertThat(b.unallocated().getFirst()).isEqualTo(2);
    assertThat(b.unallocated().getLast()).isZero();
    assertThat(b.address(size - 1).toString()).isEqualTo(last);
    assertThat(b.ordinalOf(IpAddress.parse("ip", last))).contains(size - 1);
  }

  @ParameterizedTest
  @CsvSource({"10.0.0.0/24", "10.0.255.0/24", "10.255.255.0/24", "10.0.0.0/16", "fd00::ff00/120", "fd00:0:0:ffff:ffff:ffff:ffff:0/112"})
  void everyOrdinalIsTheNetworkAddressPlusTheOrdinalAcrossByteCarries(String cidr) {
    IpPrefix prefix = IpPrefix.parseNetwork("c", cidr);
    Block b = Block.create(prefix, "h1", T0);
    java.math.BigInteger base = new java.math.BigInteger(1, prefix.address().toBytes());
    for (int ordinal = 0; ordinal < b.size(); ordinal++) {
      IpAddress a = b.address(ordinal);
      assertThat(new java.math.BigInteger(1, a.toBytes())).as("ordinal %d", ordinal).isEqualTo(base.add(java.math.BigInteger.valueOf(ordinal)));
      assertThat(prefix.contains(a)).isTrue();
      assertThat(b.ordinalOf(a)).contains(ordinal);
    }
  }

  @Test
  void aBlockWithHostBitsIsRefused() {
    assertThatThrownBy(() -> Block.create(new IpPrefix(IpAddress.parse("ip", "10.0.0.5"), 29), "h1", T0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host bits");
  }

  @Test
  void releasedAddressesGoToTheTailSoTheyAreReusedLast() {
    Block b = Block.create(IpPrefix.parseNetwork("c", "10.0.0.0/29"), "h1", T0);
    Block.Assigned a = b.assignNext(alloc("a"), o -> true).orElseThrow();
    Block.Assigned c = a.block().assignNext(alloc("c"), o -> true).orElseThrow();
    assertThat(List.of(a.ordinal(), c.ordinal())).containsExactly(2, 3);
    Block released = c.block().release(List.of(2)).validate();
    assertThat(released.unallocated()).containsExactly(4, 5, 6, 7, 0, 2);
    assertThat(released.assignNext(alloc("d"), o -> true).orElseThrow().ordinal()).isEqualTo(4);
    assertThat(released.ordinalsOf(HandleId.parse("net:c:eth0"))).containsExactly(3);
  }

  @Test
  void assigningATakenOrdinalFailsAndReleasingAFreeOneIsANoOp() {
    Block b = Block.create(IpPrefix.parseNetwork("c", "10.0.0.0/29"), "h1", T0).assign(5, alloc("a"));
    assertThatThrownBy(() -> b.assign(5, alloc("b"))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> b.assign(1, alloc("b"))).isInstanceOf(IllegalStateException.class);
    assertThat(b.release(List.of(6))).isSameAs(b);
  }

  @Test
  void predicateSkipsOrdinalsWithoutConsumingThem() {
    Block b = Block.create(IpPrefix.parseNetwork("c", "10.0.0.0/30"), "h1", T0);
    assertThat(b.unallocated()).containsExactly(2, 3, 0);
    assertThat(b.assignNext(alloc("a"), o -> o != 0 && o != 3).orElseThrow().ordinal()).isEqualTo(2);
    Block full = b.assign(2, alloc("a"));
    assertThat(full.assignNext(alloc("b"), o -> o != 0 && o != 3)).isEmpty();
    assertThat(full.free()).isEqualTo(2);
  }

  @Test
  void invariantsHoldAfterEveryRandomOperation() {
    long seed = new Random().nextLong();
    Random r = new Random(seed);
    Block b = Block.create(IpPrefix.parseNetwork("c", "10.9.0.0/27"), "h1", T0);
    List<Integer> held = new ArrayList<>();
    for (int step = 0; step < 2000; step++) {
      if (r.nextBoolean()) {
        var a = b.assignNext(alloc("c" + step), o -> r.nextInt(10) > 0);
        if (a.isPresent()) {
          assertThat(held).as("seed %d step %d", seed, step).doesNotContain(a.get().ordinal());
          held.add(a.get().ordinal());
          b = a.get().block();
        }
      } else if (!held.isEmpty()) {
        int ordinal = held.remove(r.nextInt(held.size()));
        b = b.release(List.of(ordinal));
        assertThat(b.unallocated().getLast()).as("seed %d step %d", seed, step).isEqualTo(ordinal);
      }
      b.validate();
      assertThat(b.used()).as("seed %d step %d", seed, step).isEqualTo(held.size());
      assertThat(b.used() + b.free() + b.reserved().size()).isEqualTo(b.size());
    }
  }

  /**
   * Versions share their arrays (an assignment from the head shares the free list): a model (a FIFO list
   * and a sorted map) is checked against every version, and every earlier version must read as it did when
   * it was made, whatever came after it.
   */
  @Test
  void everyVersionMatchesAModelAndEarlierVersionsNeverChange() {
    long seed = new Random().nextLong();
    Random r = new Random(seed);
    Block b = Block.create(IpPrefix.parseNetwork("c", "10.9.0.0/28"), "h1", T0);
    final List<Integer> free = new ArrayList<>(b.unallocated());
    final java.util.TreeMap<Integer, Allocation> held = new java.util.TreeMap<>();
    List<Block> versions = new ArrayList<>();
    List<List<Integer>> freeThen = new ArrayList<>();
    List<java.util.Map<Integer, Allocation>> heldThen = new ArrayList<>();
    for (int step = 0; step < 3000; step++) {
      versions.add(b);
      freeThen.add(List.copyOf(free));
      heldThen.add(new java.util.TreeMap<>(held));
      Block from = r.nextInt(8) == 0 ? versions.get(r.nextInt(versions.size())) : b;
      if (from != b) {
        // Branch from an earlier version, as a rolled-back batch does: its model is the one recorded then.
        int v = versions.indexOf(from);
        b = from;
        free.clear();
        free.addAll(freeThen.get(v));
        held.clear();
        held.putAll(heldThen.get(v));
      }
      Allocation a = alloc("c" + step);
      switch (r.nextInt(3)) {
        case 0 -> {
          int skip = r.nextInt(3);
          var got = b.assignNext(a, o -> free.indexOf(o) >= Math.min(skip, free.size() - 1));
          if (got.isPresent()) {
            assertThat(got.get().ordinal()).as("seed %d step %d", seed, step).isEqualTo(free.get(Math.min(skip, free.size() - 1)));
            free.remove(Integer.valueOf(got.get().ordinal()));
            held.put(got.get().ordinal(), a);
            b = got.get().block();
          }
        }
        case 1 -> {
          if (!free.isEmpty()) {
            int ordinal = free.remove(r.nextInt(free.size()));
            held.put(ordinal, a);
            b = b.assign(ordinal, a);
          }
        }
        default -> {
          List<Integer> release = new ArrayList<>();
          for (int k = r.nextInt(3); k >= 0; k--) {
            release.add(r.nextInt(b.size()));
          }
          for (int ordinal : release) {
            if (held.remove(ordinal) != null) {
              free.add(ordinal);
            }
          }
          b = b.release(release);
        }
      }
      b.validate();
      assertThat(b.unallocated()).as("seed %d step %d", seed, step).isEqualTo(free);
      assertThat(b.allocations()).as("seed %d step %d", seed, step).isEqualTo(held);
      assertThat(b.used()).isEqualTo(held.size());
      assertThat(b.free()).isEqualTo(free.size());
      assertThat(b.key()).isEqualTo(Keys.block(b.cidr()));
    }
    for (int v = 0; v < versions.size(); v++) {
      assertThat(versions.get(v).unallocated()).as("seed %d version %d", seed, v).isEqualTo(freeThen.get(v));
      assertThat(versions.get(v).allocations()).as("seed %d version %d", seed, v).isEqualTo(heldThen.get(v));
    }
  }
}
