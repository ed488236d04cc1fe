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
  // Arrays, not collections: every allocation makes a new version of its block, and copying a TreeMap and a
  // list of boxed ordinals per assignment, then walking them to index and encode the block, was most of the
  // allocator's own CPU. Versions share what they do not change and never write into an array after it is
  // published: an assignment from the head of the free list shares the free array (one more index), the
  // holders array is copied (64 references for a default block).
  /** Free ordinals, FIFO: positions {@code freeStart} (head) to {@code freeEnd} (exclusive) of {@code free}. */
  private final int[] free;
  private final int freeStart;
  private final int freeEnd;
  /** The holder of each ordinal; null where it is free or reserved. */
  private final Allocation[] holders;
  private final int used;
  /** The block's datastore key, once made; versions of a block pass it on (a benign race, as a String's hash). */
  private String key;

  Block(IpPrefix cidr, String owner, Instant claimed, long sequence, Set<Integer> reserved, List<Integer> unallocated,
      Map<Integer, Allocation> allocations) {
    this(cidr, owner, claimed, claimed.toString(), sequence, Collections.unmodifiableSet(new TreeSet<>(reserved)),
        toArray(unallocated), 0, unallocated.size(), holders(cidr, allocations), allocations.size(), null);
    if (!cidr.isNetwork()) {
      // address(ordinal) counts from cidr's own address.
      throw new IllegalArgumentException("block " + cidr + " has host bits set");
    }
  }

  /** Takes the arrays as they are: only for arrays this class has just made or shares unchanged. */
  private Block(IpPrefix cidr, String owner, Instant claimed, String claimedText, long sequence, Set<Integer> reserved,
      int[] free, int freeStart, int freeEnd, Allocation[] holders, int used, String key) {
    this.cidr = cidr;
    this.owner = owner;
    this.claimed = claimed;
    this.claimedText = claimedText;
    this.sequence = sequence;
    this.reserved = reserved;
    this.free = free;
    this.freeStart = freeStart;
    this.freeEnd = freeEnd;
    this.holders = holders;
    this.used = used;
    this.key = key;
  }

  private static int[] toArray(List<Integer> ordinals) {
    int[] out = new int[ordinals.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ordinals.get(i);
    }
    return out;
  }

  /** Holders by ordinal; an ordinal outside the block is refused here (the array has no place for it). */
  private static Allocation[] holders(IpPrefix cidr, Map<Integer, Allocation> allocations) {
    Allocation[] out = new Allocation[size(cidr)];
    for (Map.Entry<Integer, Allocation> e : allocations.entrySet()) {
      int ordinal = e.getKey();
      if (ordinal < 0 || ordinal >= out.length) {
        throw new IllegalStateException("block " + cidr + ": allocated ordinal " + ordinal + " is outside the block");
      }
      out[ordinal] = java.util.Objects.requireNonNull(e.getValue(), "allocation");
    }
    return out;
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

  /** {@code Keys.block(cidr())}, made once per block, not once per version written. */
  String key() {
    String k = key;
    if (k == null) {
      k = Keys.block(cidr);
      key = k;
    }
    return k;
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
    return holders.length;
  }

  public Set<Integer> reserved() {
    return reserved;
  }

  /** Free ordinals, head first (a copy). */
  public List<Integer> unallocated() {
    List<Integer> out = new ArrayList<>(free());
    for (int i = freeStart; i < freeEnd; i++) {
      out.add(free[i]);
    }
    return Collections.unmodifiableList(out);
  }

  /** The {@code i}-th free ordinal, head first ({@code 0 <= i < free()}). */
  int freeOrdinal(int i) {
    return free[freeStart + i];
  }

  /** Allocated ordinals and who holds them, in ordinal order (a copy; the allocator's paths use {@link #holder}). */
  public Map<Integer, Allocation> allocations() {
    TreeMap<Integer, Allocation> out = new TreeMap<>();
    for (int i = 0; i < holders.length; i++) {
      if (holders[i] != null) {
        out.put(i, holders[i]);
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /** Who holds {@code ordinal}; null when it is free, reserved or outside the block. */
  public Allocation holder(int ordinal) {
    return ordinal >= 0 && ordinal < holders.length ? holders[ordinal] : null;
  }

  public int used() {
    return used;
  }

  public int free() {
    return freeEnd - freeStart;
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
    for (int i = 0; i < holders.length; i++) {
      if (holders[i] != null && holders[i].handle().equals(handle)) {
        out.add(i);
      }
    }
    return List.copyOf(out);
  }

  /** An assignment: the new block and the ordinal given out. */
  public record Assigned(Block block, int ordinal) {}

  /** Takes the first free ordinal that {@code allowed} accepts; empty when there is none. */
  public Optional<Assigned> assignNext(Allocation allocation, IntPredicate allowed) {
    for (int i = freeStart; i < freeEnd; i++) {
      if (allowed.test(free[i])) {
        return Optional.of(new Assigned(assignAt(i, allocation), free[i]));
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
    for (int i = freeStart; i < freeEnd; i++) {
      if (free[i] == ordinal) {
        return assignAt(i, allocation);
      }
    }
    throw new IllegalStateException("ordinal " + ordinal + " of " + cidr + " is not free");
  }

  /** Assigns the free ordinal at index {@code i} of the free array. */
  private Block assignAt(int i, Allocation allocation) {
    java.util.Objects.requireNonNull(allocation, "allocation");
    Allocation[] held = holders.clone();
    held[free[i]] = allocation;
    if (i == freeStart) {
      // The common case, the head: the rest of the free list is this version's, unchanged.
      return new Block(cidr, owner, claimed, claimedText, sequence + 1, reserved, free, freeStart + 1, freeEnd, held, used + 1, key);
    }
    int[] rest = new int[freeEnd - freeStart - 1];
    System.arraycopy(free, freeStart, rest, 0, i - freeStart);
    System.arraycopy(free, i + 1, rest, i - freeStart, freeEnd - i - 1);
    return new Block(cidr, owner, claimed, claimedText, sequence + 1, reserved, rest, 0, rest.length, held, used + 1, key);
  }

  /** Releases the ordinals (those not allocated are ignored); they go to the tail of the free list. */
  public Block release(List<Integer> ordinals) {
    boolean any = false;
    for (int ordinal : ordinals) {
      any |= holder(ordinal) != null;
    }
    if (!any) {
      return this; // a handle's second address in the same block asks again: no copies for nothing
    }
    Allocation[] held = holders.clone();
    int[] rest = java.util.Arrays.copyOfRange(free, freeStart, freeEnd + ordinals.size());
    int end = freeEnd - freeStart;
    for (int ordinal : ordinals) {
      if (ordinal >= 0 && ordinal < held.length && held[ordinal] != null) {
        held[ordinal] = null;
        rest[end++] = ordinal;
      }
    }
    int released = end - (freeEnd - freeStart);
    return new Block(cidr, owner, claimed, claimedText, sequence + 1, reserved, rest, 0, end, held, used - released, key);
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
    for (int a = 0; a < size; a++) {
      if (holders[a] != null) {
        seen[a]++;
      }
    }
    for (int i = freeStart; i < freeEnd; i++) {
      mark(seen, free[i], size, "free");
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
