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
    int bits = cidr.family().bits();
    if (blockSize < cidr.length() || blockSize > bits - 2 || bits - blockSize > 16) {
      throw new InvalidValueException("block-size", "block size /" + blockSize + " does not fit pool " + cidr
          + ": it must be between /" + Math.max(cidr.length(), bits - 16) + " and /" + (bits - 2));
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
