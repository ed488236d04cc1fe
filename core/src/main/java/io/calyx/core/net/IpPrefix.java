package io.calyx.core.net;

import io.calyx.core.InvalidValueException;

/**
 * An address with a prefix length, e.g. {@code 10.244.3.17/32} (an interface address) or
 * {@code 10.244.0.0/16} (a network). {@link #parseNetwork} additionally requires the host bits to be zero.
 */
public record IpPrefix(IpAddress address, int length) {
  public IpPrefix {
    if (address == null) {
      throw new IllegalArgumentException("address must not be null");
    }
    if (length < 0 || length > address.family().bits()) {
      throw new IllegalArgumentException("prefix length " + length + " out of range for " + address);
    }
  }

  /** Parses {@code address/length}; the address may have host bits set (an interface address). */
  public static IpPrefix parse(String field, String text) {
    if (text == null) {
      throw new InvalidValueException(field, "missing");
    }
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw new InvalidValueException(field, InvalidValueException.quote(text) + " is not in CIDR form (address/length)");
    }
    IpAddress address = IpAddress.parse(field, text.substring(0, slash));
    String len = text.substring(slash + 1);
    if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(Character::isDigit)) {
      throw new InvalidValueException(field, InvalidValueException.quote(text) + " has an invalid prefix length");
    }
    int length = Integer.parseInt(len);
    if (length > address.family().bits()) {
      throw new InvalidValueException(field, InvalidValueException.quote(text) + " has a prefix length over " + address.family().bits());
    }
    return new IpPrefix(address, length);
  }

  /** Parses a network in CIDR form and requires the host bits to be zero ({@code 10.0.0.0/8}, not {@code 10.0.0.1/8}). */
  public static IpPrefix parseNetwork(String field, String text) {
    IpPrefix prefix = parse(field, text);
    if (!prefix.isNetwork()) {
      throw new InvalidValueException(
          field, InvalidValueException.quote(text) + " has host bits set; did you mean " + prefix.network() + "?");
    }
    return prefix;
  }

  /** A host prefix: /32 for IPv4, /128 for IPv6. */
  public static IpPrefix host(IpAddress address) {
    return new IpPrefix(address, address.family().bits());
  }

  public IpFamily family() {
    return address.family();
  }

  /** The prefix with its host bits cleared. */
  public IpPrefix network() {
    byte[] b = address.toBytes();
    for (int bit = length; bit < b.length * 8; bit++) {
      b[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    return new IpPrefix(IpAddress.ofBytes(b), length);
  }

  /** True when the host bits are zero. */
  public boolean isNetwork() {
    return network().address().equals(address);
  }

  /** True when {@code ip} is inside this prefix. */
  public boolean contains(IpAddress ip) {
    return address.sharesPrefix(ip, length);
  }

  @Override
  public String toString() {
    return address + "/" + length;
  }

  // Written out: the record's generated pair goes through method handles, and blocks are looked up by
  // prefix several times per allocation.
  @Override
  public boolean equals(Object o) {
    return o instanceof IpPrefix p && length == p.length && address.equals(p.address);
  }

  @Override
  public int hashCode() {
    return address.hashCode() * 31 + length;
  }
}
