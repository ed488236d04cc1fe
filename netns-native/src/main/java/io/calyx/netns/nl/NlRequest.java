package io.calyx.netns.nl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * Builds one netlink request: the header, a fixed family message ({@code ifinfomsg}, {@code ifaddrmsg},
 * {@code rtmsg}, {@code ndmsg}) and attributes, nested as needed. Native byte order (the kernel's); lengths
 * and alignment as NLMSG_ALIGN/RTA_ALIGN. Pure: tested byte for byte without root.
 */
public final class NlRequest {
  private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
  private final Deque<Integer> nests = new ArrayDeque<>();
  private final int type;

  /** Starts a message of {@code type} with {@code flags} (NLM_F_REQUEST is added). */
  public NlRequest(int type, int flags) {
    this.type = type;
    buf.putInt(0); // length, filled in by build()
    buf.putShort((short) type);
    buf.putShort((short) (flags | Rtnl.NLM_F_REQUEST));
    buf.putInt(0); // sequence, set by the socket
    buf.putInt(0); // port id: 0, the kernel assigns
  }

  public int type() {
    return type;
  }

  private void ensure(int n) {
    if (buf.remaining() < n) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n + 64)).order(ByteOrder.nativeOrder());
      buf.flip();
      bigger.put(buf);
      buf = bigger;
    }
  }

  /** struct ifinfomsg. */
  public NlRequest ifinfomsg(int family, int type, int index, int flags, int change) {
    ensure(16);
    buf.put((byte) family).put((byte) 0).putShort((short) type).putInt(index).putInt(flags).putInt(change);
    return this;
  }

  /** struct ifaddrmsg. */
  public NlRequest ifaddrmsg(int family, int prefixLen, int flags, int scope, int index) {
    ensure(8);
    buf.put((byte) family).put((byte) prefixLen).put((byte) flags).put((byte) scope).putInt(index);
    return this;
  }

  /** struct rtmsg. */
  public NlRequest rtmsg(int family, int dstLen, int table, int protocol, int scope, int routeType, int flags) {
    ensure(12);
    buf.put((byte) family).put((byte) dstLen).put((byte) 0).put((byte) 0)
        .put((byte) table).put((byte) protocol).put((byte) scope).put((byte) routeType).putInt(flags);
    return this;
  }

  /** struct ndmsg. */
  public NlRequest ndmsg(int family, int index, int state, int flags, int ndType) {
    ensure(12);
    buf.put((byte) family).put((byte) 0).putShort((short) 0).putInt(index).putShort((short) state).put((byte) flags).put((byte) ndType);
    return this;
  }

  /** An attribute with raw bytes. */
  public NlRequest attr(int attrType, byte[] value) {
    int len = 4 + value.length;
    ensure(Rtnl.align(len));
    buf.putShort((short) len).putShort((short) attrType).put(value);
    pad();
    return this;
  }

  public NlRequest attrInt(int attrType, int value) {
    ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value);
    return attr(attrType, b.array());
  }

  /** A NUL-terminated string attribute (IFLA_IFNAME, IFLA_INFO_KIND). */
  public NlRequest attrString(int attrType, String value) {
    byte[] s = value.getBytes(StandardCharsets.UTF_8);
    return attr(attrType, Arrays.copyOf(s, s.length + 1));
  }

  /** Opens a nested attribute; close it with {@link #end()}. */
  public NlRequest begin(int attrType) {
    ensure(4);
    nests.push(buf.position());
    buf.putShort((short) 0).putShort((short) attrType);
    return this;
  }

  public NlRequest end() {
    int start = nests.pop();
    buf.putShort(start, (short) (buf.position() - start));
    return this;
  }

  private void pad() {
    while (buf.position() % 4 != 0) {
      buf.put((byte) 0);
    }
  }

  /** The finished message with {@code seq}. */
  public byte[] build(int seq) {
    if (!nests.isEmpty()) {
      throw new IllegalStateException("unclosed nested attribute");
    }
    byte[] out = Arrays.copyOf(buf.array(), buf.position());
    ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.nativeOrder());
    b.putInt(0, out.length);
    b.putInt(8, seq);
    return out;
  }
}
