package io.calyx.core.net;

/** IPv4 or IPv6. */
public enum IpFamily {
  V4(4, 32),
  V6(16, 128);

  private final int bytes;
  private final int bits;

  IpFamily(int bytes, int bits) {
    this.bytes = bytes;
    this.bits = bits;
  }

  /** Address length in bytes (4 or 16). */
  public int bytes() {
    return bytes;
  }

  /** Address length in bits (32 or 128): the longest prefix. */
  public int bits() {
    return bits;
  }

  /** The CNI 0.3/0.4 {@code ips[].version} string: "4" or "6". */
  public String cniVersionTag() {
    return this == V4 ? "4" : "6";
  }
}
