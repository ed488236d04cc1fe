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
