package io.calyx.ipam;

import io.calyx.core.HandleId;
import io.calyx.core.net.IpPrefix;

/** Where IPAM documents live in the datastore, all under {@code /calyx/v1/ipam/}. */
public final class Keys {
  public static final String ROOT = "/calyx/v1/ipam/";
  public static final String POOLS = ROOT + "pools/";
  public static final String BLOCKS = ROOT + "blocks/";
  public static final String HANDLES = ROOT + "handles/";
  public static final String AFFINITIES = ROOT + "affinities/";

  private Keys() {}

  /** A CIDR as a key segment: {@code 10.244.0.0/26} becomes {@code 10.244.0.0-26}. */
  public static String segment(IpPrefix cidr) {
    return cidr.address() + "-" + cidr.length();
  }

  public static String pool(IpPrefix cidr) {
    return POOLS + segment(cidr);
  }

  public static String block(IpPrefix cidr) {
    return BLOCKS + segment(cidr);
  }

  /**
   * A key prefix under which the block keys of every block of {@code pool} lie, and possibly others (filter
   * with {@link #blockOf}). IPv4: the longest prefix the pool's first and last block keys share (dotted
   * quads of an aligned range keep it: where an octet's digit count changes inside the range, its first
   * digits differ). IPv6: all block keys, since the text form drops zero groups and so need not share one.
   */
  static String blocksOf(Pool pool) {
    if (pool.cidr().family() != io.calyx.core.net.IpFamily.V4) {
      return BLOCKS;
    }
    String first = block(BlockClaimer.blockAt(pool, 0));
    String last = block(BlockClaimer.blockAt(pool, pool.blockCount() - 1));
    int n = 0;
    while (n < first.length() && n < last.length() && first.charAt(n) == last.charAt(n)) {
      n++;
    }
    return first.substring(0, n);
  }

  /** The CIDR a block key names; empty for a key that is not a well-formed block key. */
  static java.util.Optional<IpPrefix> blockOf(String key) {
    if (!key.startsWith(BLOCKS)) {
      return java.util.Optional.empty();
    }
    String segment = key.substring(BLOCKS.length());
    int dash = segment.lastIndexOf('-');
    try {
      return java.util.Optional.of(IpPrefix.parseNetwork("block", segment.substring(0, dash) + "/" + segment.substring(dash + 1)));
    } catch (RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  public static String handle(HandleId handle) {
    return HANDLES + handle;
  }

  public static String affinities(String host) {
    return AFFINITIES + host + "/";
  }

  public static String affinity(String host, IpPrefix block) {
    return affinities(host) + segment(block);
  }
}
