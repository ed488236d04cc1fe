package io.calyx.netns.nl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One received netlink message: header fields, the fixed family part and its attributes. Parsing is
 * bounds-checked: a truncated or malformed message is an {@link IllegalArgumentException}, never a read
 * past its end.
 */
public final class NlMessage {
  private final int type;
  private final int flags;
  private final int seq;
  private final ByteBuffer body;

  private NlMessage(int type, int flags, int seq, ByteBuffer body) {
    this.type = type;
    this.flags = flags;
    this.seq = seq;
    this.body = body;
  }

  /** Splits a datagram into its messages. */
  public static List<NlMessage> parseAll(byte[] data, int length) {
    ByteBuffer b = ByteBuffer.wrap(data, 0, length).order(ByteOrder.nativeOrder());
    List<NlMessage> out = new ArrayList<>();
    int pos = 0;
    while (pos + Rtnl.NLMSG_HDRLEN <= length) {
      int len = b.getInt(pos);
      if (len < Rtnl.NLMSG_HDRLEN || pos + len > length) {
        throw new IllegalArgumentException("malformed netlink message length " + len + " at " + pos + " of " + length);
      }
      int type = Short.toUnsignedInt(b.getShort(pos + 4));
      int flags = Short.toUnsignedInt(b.getShort(pos + 6));
      int seq = b.getInt(pos + 8);
      ByteBuffer body = ByteBuffer.wrap(data, pos + Rtnl.NLMSG_HDRLEN, len - Rtnl.NLMSG_HDRLEN).slice().order(ByteOrder.nativeOrder());
      out.add(new NlMessage(type, flags, seq, body));
      pos += Rtnl.align(len);
    }
    return out;
  }

  public int type() {
    return type;
  }

  public int flags() {
    return flags;
  }

  public int seq() {
    return seq;
  }

  /** For NLMSG_ERROR: the (negative) error, 0 for an ACK. */
  public int error() {
    return body.getInt(0);
  }

  public int u8(int offset) {
    return Byte.toUnsignedInt(body.get(offset));
  }

  public int u16(int offset) {
    return Short.toUnsignedInt(body.getShort(offset));
  }

  public int i32(int offset) {
    return body.getInt(offset);
  }

  /** The attributes after a fixed part of {@code headerLen} bytes (type → value; later duplicates win). */
  public Map<Integer, byte[]> attrs(int headerLen) {
    return parseAttrs(body, Rtnl.align(headerLen), body.limit());
  }

  /** Attributes inside a nested attribute's value. */
  public static Map<Integer, byte[]> nested(byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
    return parseAttrs(b, 0, value.length);
  }

  private static Map<Integer, byte[]> parseAttrs(ByteBuffer b, int from, int to) {
    Map<Integer, byte[]> out = new HashMap<>();
    int pos = from;
    while (pos + 4 <= to) {
      int len = Short.toUnsignedInt(b.getShort(pos));
      int type = Short.toUnsignedInt(b.getShort(pos + 2)) & 0x3fff; // without NLA_F_NESTED / NET_BYTEORDER
      if (len < 4 || pos + len > to) {
        throw new IllegalArgumentException("malformed attribute length " + len + " at " + pos);
      }
      byte[] v = new byte[len - 4];
      b.get(pos + 4, v);
      out.put(type, v);
      pos += Rtnl.align(len);
    }
    return out;
  }

  /** A NUL-terminated string attribute. */
  public static Optional<String> string(Map<Integer, byte[]> attrs, int type) {
    byte[] v = attrs.get(type);
    if (v == null) {
      return Optional.empty();
    }
    int n = 0;
    while (n < v.length && v[n] != 0) {
      n++;
    }
    return Optional.of(new String(v, 0, n, StandardCharsets.UTF_8));
  }

  public static Optional<Integer> int32(Map<Integer, byte[]> attrs, int type) {
    byte[] v = attrs.get(type);
    return v == null || v.length < 4 ? Optional.empty() : Optional.of(ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getInt());
  }
}
