package io.calyx.ipam;

import io.calyx.core.InvalidValueException;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import java.time.Instant;

/**
 * An IP pool: a CIDR hosts claim blocks of {@code blockSize} from.
 *
 * @param cidr the pool network
 * @param blockSize the prefix length of its blocks (default 26 for IPv4, 122 for IPv6)
 * @param disabled a disabled pool gives out no new addresses; existing ones stay
 * @param created when it was added
 */
public record Pool(IpPrefix cidr, int blockSize, boolean disabled, Instant created) {
  public static final int DEFAULT_V4_BLOCK = 26;
  public static final int DEFAULT_V6_BLOCK = 122;

  public Pool {
    if (!cidr.isNetwork()) {
      throw new InvalidValueException("cidr", cidr + " has host bits set");
    }
    requireBlockSize(cidr, blockSize, MAX_STORED_BLOCK_BITS, "");
  }

  /** The most address bits of a stored pool's blocks ({@link Pools#add} allows fewer for new pools). */
  static final int MAX_STORED_BLOCK_BITS = 16;

  /**
   * Refuses a block size that does not fit {@code cidr}, leaves blocks of fewer than 4 addresses or of more
   * than {@code 2^maxBits}; {@code why} ends the message.
   */
  static void requireBlockSize(IpPrefix cidr, int blockSize, int maxBits, String why) {
    int bits = cidr.family().bits();
    if (blockSize < cidr.length() || blockSize > bits - 2 || bits - blockSize > maxBits) {
      throw new InvalidValueException("block-size", "block size /" + blockSize + " does not fit pool " + cidr
          + ": it must be between /" + Math.max(cidr.length(), bits - maxBits) + " and /" + (bits - 2) + why);
    }
  }

  public static int defaultBlockSize(IpFamily family) {
    return family == IpFamily.V4 ? DEFAULT_V4_BLOCK : DEFAULT_V6_BLOCK;
  }

  /** How many blocks the pool holds. */
  public long blockCount() {
    return 1L << Math.min(62, blockSize - cidr.length());
  }

  /** True when the two pools share addresses. */
  public boolean overlaps(IpPrefix other) {
    if (other.family() != cidr.family()) {
      return false;
    }
    return cidr.contains(other.address()) || other.contains(cidr.address());
  }
}
