package io.calyx.ipam;

import io.calyx.core.HandleId;
import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpPrefix;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntPredicate;

/**
 * One allocation block: a CIDR slice of a pool owned by one host, the unit of compare-and-swap. Immutable:
 * every operation returns a new block and does no I/O, so a block is never changed in memory before it is
 * persisted.
 *
 * <p>Each ordinal (offset in the block) is exactly one of: reserved (ordinal 1, the gateway calyx-ipam
 * hands to bridge-style plugins; never given to a container, not counted as used), allocated (with its
 * {@link Allocation}), or free. Free ordinals form a FIFO: allocation takes the head, release appends to
 * the tail, so a just-released address is the last to be handed out again.
 */
public final class Block {
  /** The gateway ordinal: the block's first address after its network address. */
  public static final int GATEWAY_ORDINAL = 1;

  private final IpPrefix cidr;
  private final String owner;
  private final Instant claimed;
  /** {@code claimed} as the block document carries it, made once per block, not per document written. */
  private final String claimedText;
  private final long sequence;
  private final Set<Integer> reserved;
  private final List<Integer> unallocated;
  private final TreeMap<Integer, Allocation> allocations;

  Block(IpPrefix cidr, String owner, Instant claimed, long sequence, Set<Integer> reserved, List<Integer> unallocated,
      Map<Integer, Allocation> allocations) {
    this(cidr, owner, claimed, claimed.toString(), sequence, Collections.unmodifiableSet(new TreeSet<>(reserved)),
        List.copyOf(unallocated), new TreeMap<>(allocations));
    if (!cidr.isNetwork()) {
      // address(ordinal) counts from cidr's own address.
      throw new IllegalArgumentException("block " + cidr + " has host bits set");
    }
  }

  /** Takes the collections as they are: only for the copies this class has just made (every assignment makes one). */
  private Block(IpPrefix cidr, String owner, Instant claimed, String claimedText, long sequence, Set<Integer> reserved,
      List<Integer> unallocated, TreeMap<Integer, Allocation> allocations) {
    this.cidr = cidr;
    this.owner = owner;
    this.claimed = claimed;
    this.claimedText = claimedText;
    this.sequence = sequence;
    this.reserved = reserved;
    this.unallocated = unallocated;
    this.allocations = allocations;
  }

  /** A new, empty block owned by {@code owner}: every ordinal free except the gateway; the network address last. */
  public static Block create(IpPrefix cidr, String owner, Instant now) {
    int size = size(cidr);
    Set<Integer> reserved = size >= 4 ? Set.of(GATEWAY_ORDINAL) : Set.of();
    List<Integer> free = new ArrayList<>();
    for (int i = 1; i < size; i++) {
      if (!reserved.contains(i)) {
        free.add(i);
      }
    }
    free.add(0);
    return new Block(cidr, owner, now, 1, reserved, free, Map.of());
  }

  static int size(IpPrefix cidr) {
    int hostBits = cidr.family().bits() - cidr.length();
    if (hostBits > 16) {
      throw new IllegalArgumentException("block " + cidr + " is larger than 65536 addresses");
    }
    return 1 << hostBits;
  }

  public IpPrefix cidr() {
    return cidr;
  }

  public String owner() {
    return owner;
  }

  public Instant claimed() {
    return claimed;
  }

  String claimedText() {
    return claimedText;
  }

  public long sequence() {
    return sequence;
  }

  public int size() {
    return size(cidr);
  }

  public Set<Integer> reserved() {
    return reserved;
  }

  /** Free ordinals, head first. */
  public List<Integer> unallocated() {
    return unallocated;
  }

  /** Allocated ordinals and who holds them, in ordinal order. */
  public Map<Integer, Allocation> allocations() {
    return Collections.unmodifiableMap(allocations);
  }

  /**
   * The allocations themselves, for the package's per-commit walks (the cache's index, the codec), which
   * the unmodifiable view's per-entry wrappers made twice as costly. Never to be modified.
   */
  java.util.SortedMap<Integer, Allocation> allocationsUnwrapped() {
    return allocations;
  }

  public int used() {
    return allocations.size();
  }

  public int free() {
    return unallocated.size();
  }

  /**
   * The address at {@code ordinal}: the network address plus the ordinal, added byte by byte from the
   * end (every allocation asks; a {@code BigInteger} round trip cost more than the rest of the assignment).
   */
  public IpAddress address(int ordinal) {
    byte[] out = cidr.address().toBytes();
    int carry = ordinal;
    for (int i = out.length - 1; i >= 0 && carry != 0; i--) {
      int sum = (out[i] & 0xff) + (carry & 0xff);
      out[i] = (byte) sum;
      carry = (carry >>> 8) + (sum >>> 8);
    }
    return IpAddress.ofBytes(out);
  }

  /** The ordinal of {@code ip}, if it lies in this block. */
  public Optional<Integer> ordinalOf(IpAddress ip) {
    if (!cidr.contains(ip)) {
      return Optional.empty();
    }
    BigInteger offset = new BigInteger(1, ip.toBytes()).subtract(new BigInteger(1, cidr.network().address().toBytes()));
    return Optional.of(offset.intValueExact());
  }

  public IpAddress gateway() {
    return address(GATEWAY_ORDINAL);
  }

  /** The gateway address of the block {@code cidr} (its reserved ordinal 1). */
  public static IpAddress gatewayOf(IpPrefix cidr) {
    return Block.create(cidr, "", Instant.EPOCH).gateway();
  }

  /** Ordinals held by {@code handle}. */
  public List<Integer> ordinalsOf(HandleId handle) {
    List<Integer> out = new ArrayList<>(1);
    for (Map.Entry<Integer, Allocation> e : allocations.entrySet()) {
      if (e.getValue().handle().equals(handle)) {
        out.add(e.getKey());
      }
    }
    return List.copyOf(out);
  }

  /** An assignment: the new block and the ordinal given out. */
  public record Assigned(Block block, int ordinal) {}

  /** Takes the first free ordinal that {@code allowed} accepts; empty when there is none. */
  public Optional<Assigned> assignNext(Allocation allocation, IntPredicate allowed) {
    for (int i = 0; i < unallocated.size(); i++) {
      int ordinal = unallocated.get(i);
      if (allowed.test(ordinal)) {
        return Optional.of(new Assigned(assignAt(i, allocation), ordinal));
      }
    }
    return Optional.empty();
  }

  /**
   * Assigns a specific ordinal.
   *
   * @throws IllegalStateException if it is not free
   */
  public Block assign(int ordinal, Allocation allocation) {
    int i = unallocated.indexOf(ordinal);
    if (i < 0) {
      throw new IllegalStateException("ordinal " + ordinal + " of " + cidr + " is not free");
    }
    return assignAt(i, allocation);
  }

  /** Assigns the free ordinal at position {@code i} of the free list. */
  private Block assignAt(int i, Allocation allocation) {
    List<Integer> free = new ArrayList<>(unallocated.size() - 1);
    free.addAll(unallocated.subList(0, i));
    free.addAll(unallocated.subList(i + 1, unallocated.size()));
    TreeMap<Integer, Allocation> alloc = new TreeMap<>(allocations);
    alloc.put(unallocated.get(i), allocation);
    return new Block(cidr, owner, claimed, claimedText, sequence + 1, reserved, Collections.unmodifiableList(free), alloc);
  }

  /** Releases the ordinals (those not allocated are ignored); they go to the tail of the free list. */
  public Block release(List<Integer> ordinals) {
    List<Integer> free = new ArrayList<>(unallocated);
    TreeMap<Integer, Allocation> alloc = new TreeMap<>(allocations);
    boolean changed = false;
    for (int ordinal : ordinals) {
      if (alloc.remove(ordinal) != null) {
        free.add(ordinal);
        changed = true;
      }
    }
    return changed ? new Block(cidr, owner, claimed, claimedText, sequence + 1, reserved, Collections.unmodifiableList(free), alloc) : this;
  }

  /**
   * Checks the invariants: every ordinal is exactly one of reserved, allocated or free; no duplicate in
   * the free list; nothing outside the block.
   *
   * @throws IllegalStateException naming the first violation
   */
  public Block validate() {
    int size = size();
    int[] seen = new int[size];
    for (int r : reserved) {
      mark(seen, r, size, "reserved");
    }
    for (int a : allocations.keySet()) {
      mark(seen, a, size, "allocated");
    }
    for (int f : unallocated) {
      mark(seen, f, size, "free");
    }
    for (int i = 0; i < size; i++) {
      if (seen[i] != 1) {
        throw new IllegalStateException("block " + cidr + ": ordinal " + i + " is " + (seen[i] == 0 ? "neither free nor allocated" : "counted twice"));
      }
    }
    return this;
  }

  private void mark(int[] seen, int ordinal, int size, String as) {
    if (ordinal < 0 || ordinal >= size) {
      throw new IllegalStateException("block " + cidr + ": " + as + " ordinal " + ordinal + " is outside the block");
    }
    seen[ordinal]++;
  }

  @Override
  public String toString() {
    return "Block[" + cidr + " owner=" + owner + " used=" + used() + " free=" + free() + "]";
  }
}
