package io.calyx.core.net;

import io.calyx.core.InvalidValueException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 address, parsed strictly from a literal (never through name resolution) and printed in
 * canonical form (dotted quad; RFC 5952 for IPv6).
 */
public final class IpAddress implements Comparable<IpAddress> {
  private final byte[] bytes;
  /** {@link #toString()}, once made. */
  private String text;

  private IpAddress(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * Parses an address literal.
   *
   * @param field the name of the field the text came from, for the error message
   * @throws InvalidValueException if {@code text} is not an IPv4 or IPv6 literal (zone ids are refused)
   */
  public static IpAddress parse(String field, String text) {
    if (text == null || text.isEmpty() || text.length() > 45 || text.indexOf('%') >= 0) {
      throw new InvalidValueException(field, InvalidValueException.quote(text) + " is not an IP address");
    }
    if (text.indexOf(':') < 0) {
      byte[] v4 = parseDottedQuad(text);
      if (v4 == null) {
        throw new InvalidValueException(field, InvalidValueException.quote(text) + " is not an IP address");
      }
      return new IpAddress(v4);
    }
    try {
      // ofLiteral never consults DNS; a bare name is refused instead of being resolved.
      InetAddress inet = Inet6Address.ofLiteral(text);
      if (!(inet instanceof Inet6Address)) {
        throw new InvalidValueException(
            field, InvalidValueException.quote(text) + " is an IPv4-mapped IPv6 address; write the IPv4 address");
      }
      return new IpAddress(inet.getAddress());
    } catch (IllegalArgumentException e) {
      if (e instanceof InvalidValueException) {
        throw e;
      }
      throw new InvalidValueException(field, InvalidValueException.quote(text) + " is not an IP address");
    }
  }

  /**
   * Exactly four decimal parts of 0-255 without leading zeros: the JDK also accepts shorthand such as
   * {@code 10.0.0} and octal-looking parts, which would make the same text mean different addresses to
   * different tools.
   */
  private static byte[] parseDottedQuad(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
        return null;
      }
      int v = 0;
      for (int j = 0; j < p.length(); j++) {
        char c = p.charAt(j);
        if (c < '0' || c > '9') {
          return null;
        }
        v = v * 10 + (c - '0');
      }
      if (v > 255) {
        return null;
      }
      out[i] = (byte) v;
    }
    return out;
  }

  /** Builds an address from 4 or 16 network-order bytes. */
  public static IpAddress ofBytes(byte[] bytes) {
    if (bytes.length != 4 && bytes.length != 16) {
      throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length);
    }
    return new IpAddress(bytes.clone());
  }

  public IpFamily family() {
    return bytes.length == 4 ? IpFamily.V4 : IpFamily.V6;
  }

  /** The address in network byte order (a copy). */
  public byte[] toBytes() {
    return bytes.clone();
  }

  public InetAddress toInetAddress() {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public String toString() {
    // Made once (a benign race: two threads may both make the same immutable string): the allocator writes
    // each block's address into a key and a handle record for every allocation.
    String t = text;
    if (t == null) {
      t = family() == IpFamily.V4 ? formatV4() : formatV6();
      text = t;
    }
    return t;
  }

  private String formatV4() {
    return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
  }

  /** RFC 5952: lower-case hex, no leading zeros, the longest run (of two or more) of zero groups as "::". */
  private String formatV6() {
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IpAddress other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /**
   * True when this and {@code other} are of one family and agree in their first {@code bits} bits. Without
   * copying or allocating: pool and block lookups run it for every cached block on the allocation path.
   */
  boolean sharesPrefix(IpAddress other, int bits) {
    if (bytes.length != other.bytes.length) {
      return false;
    }
    int whole = bits / 8;
    for (int i = 0; i < whole; i++) {
      if (bytes[i] != other.bytes[i]) {
        return false;
      }
    }
    int rest = bits % 8;
    if (rest == 0) {
      return true;
    }
    int mask = 0xff << (8 - rest);
    return (bytes[whole] & mask) == (other.bytes[whole] & mask);
  }

  /** IPv4 sorts before IPv6; within a family, numerically. */
  @Override
  public int compareTo(IpAddress o) {
    if (bytes.length != o.bytes.length) {
      return Integer.compare(bytes.length, o.bytes.length);
    }
    return Arrays.compareUnsigned(bytes, o.bytes);
  }
}
