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

  /** The CIDR a key segment names ({@link #segment}'s inverse); empty when it names none. */
  static java.util.Optional<IpPrefix> parseSegment(String segment) {
    int dash = segment.lastIndexOf('-');
    if (dash < 0) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(IpPrefix.parseNetwork("block", segment.substring(0, dash) + "/" + segment.substring(dash + 1)));
    } catch (RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  public static String pool(IpPrefix cidr) {
    return POOLS + segment(cidr);
  }

  public static String block(IpPrefix cidr) {
    return BLOCKS + segment(cidr);
  }

  /**
   * The block an affinity key names ({@code affinities/<host>/<cidr>}); empty for a key that is not a
   * well-formed affinity key.
   */
  static java.util.Optional<IpPrefix> blockOfAffinity(String key) {
    return key.startsWith(AFFINITIES) ? parseSegment(key.substring(key.lastIndexOf('/') + 1)) : java.util.Optional.empty();
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
