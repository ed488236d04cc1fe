package io.calyx.netns.nl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Byte fixtures of the messages calyx sends, assembled independently of the builder, and parser edge cases. */
class NlRequestTest {
  /** A little-endian byte writer for fixtures (x86-64 and arm64 are little-endian). */
  static final class Le {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Le u8(int v) {
      out.write(v);
      return this;
    }

    Le u16(int v) {
      return u8(v & 0xff).u8((v >> 8) & 0xff);
    }

    Le u32(int v) {
      return u16(v & 0xffff).u16((v >>> 16) & 0xffff);
    }

    Le bytes(byte[] b) {
      out.writeBytes(b);
      return this;
    }

    Le str(String s) {
      return bytes(s.getBytes(StandardCharsets.US_ASCII)).u8(0);
    }

    Le zeros(int n) {
      return bytes(new byte[n]);
    }

    byte[] get() {
      return out.toByteArray();
    }
  }

  @Test
  void vethWithThePeerCreatedInAnotherNamespace() {
    org.junit.jupiter.api.Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "fixtures are little-endian");
    byte[] built = new NlRequest(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL | Rtnl.NLM_F_ACK)
        .ifinfomsg(0, 0, 0, 0, 0)
        .attrString(Rtnl.IFLA_IFNAME, "v0")
        .begin(Rtnl.IFLA_LINKINFO).attrString(Rtnl.IFLA_INFO_KIND, "veth").begin(Rtnl.IFLA_INFO_DATA).begin(Rtnl.VETH_INFO_PEER)
        .ifinfomsg(0, 0, 0, 0, 0).attrString(Rtnl.IFLA_IFNAME, "p0").attrInt(Rtnl.IFLA_NET_NS_FD, 5)
        .end().end().end()
        .build(42);
    byte[] expected = new Le()
        .u32(96).u16(16).u16(0x605).u32(42).u32(0)      // nlmsghdr: RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
        .zeros(16)                                       // ifinfomsg
        .u16(7).u16(3).str("v0").zeros(1)                // IFLA_IFNAME "v0", padded
        .u16(56).u16(18)                                 // IFLA_LINKINFO
        .u16(9).u16(1).str("veth").zeros(3)              //   IFLA_INFO_KIND "veth"
        .u16(40).u16(2)                                  //   IFLA_INFO_DATA
        .u16(36).u16(1)                                  //     VETH_INFO_PEER
        .zeros(16)                                       //       ifinfomsg
        .u16(7).u16(3).str("p0").zeros(1)                //       IFLA_IFNAME "p0"
        .u16(8).u16(28).u32(5)                           //       IFLA_NET_NS_FD 5
        .get();
    assertThat(built).isEqualTo(expected);
  }

  @Test
  void addressAndRoute() {
    org.junit.jupiter.api.Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "fixtures are little-endian");
    byte[] addr = new NlRequest(Rtnl.RTM_NEWADDR, Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL | Rtnl.NLM_F_ACK)
        .ifaddrmsg(Rtnl.AF_INET, 32, 0, 0, 7)
        .attr(Rtnl.IFA_LOCAL, new byte[] {10, 1, 2, 3})
        .attr(Rtnl.IFA_ADDRESS, new byte[] {10, 1, 2, 3})
        .build(1);
    assertThat(addr).isEqualTo(new Le().u32(40).u16(20).u16(0x605).u32(1).u32(0)
        .u8(2).u8(32).u8(0).u8(0).u32(7)
        .u16(8).u16(2).u8(10).u8(1).u8(2).u8(3)
        .u16(8).u16(1).u8(10).u8(1).u8(2).u8(3).get());

    byte[] route = new NlRequest(Rtnl.RTM_NEWROUTE, Rtnl.NLM_F_CREATE | Rtnl.NLM_F_REPLACE | Rtnl.NLM_F_ACK)
        .rtmsg(Rtnl.AF_INET, 0, Rtnl.RT_TABLE_MAIN, 80, Rtnl.RT_SCOPE_UNIVERSE, Rtnl.RTN_UNICAST, Rtnl.RTNH_F_ONLINK)
        .attr(Rtnl.RTA_DST, new byte[] {0, 0, 0, 0})
        .attr(Rtnl.RTA_GATEWAY, new byte[] {(byte) 169, (byte) 254, 1, 1})
        .attrInt(Rtnl.RTA_OIF, 3)
        .build(2);
    assertThat(route).isEqualTo(new Le().u32(52).u16(24).u16(0x505).u32(2).u32(0)
        .u8(2).u8(0).u8(0).u8(0).u8(254).u8(80).u8(0).u8(1).u32(4)
        .u16(8).u16(1).u32(0)
        .u16(8).u16(5).u8(169).u8(254).u8(1).u8(1)
        .u16(8).u16(4).u32(3).get());
  }

  @Test
  void parsesMessagesAndAttributesAndRefusesTruncation() {
    org.junit.jupiter.api.Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "fixtures are little-endian");
    byte[] two = new Le()
        .u32(36).u16(16).u16(2).u32(9).u32(0).zeros(16).u16(7).u16(3).str("lo").zeros(1)
        .get();
    // The RTM_NEWLINK above (16 + 16 + 8 = 40 bytes, its length field fixed below), then an NLMSG_DONE.
    ByteBuffer b = ByteBuffer.allocate(40 + 20).order(ByteOrder.LITTLE_ENDIAN);
    b.put(two, 0, 40);
    b.putInt(0, 40);
    b.putInt(40, 20).putShort(44, (short) Rtnl.NLMSG_DONE).putShort(46, (short) 2).putInt(48, 9);
    var msgs = NlMessage.parseAll(b.array(), 60);
    assertThat(msgs).extracting(NlMessage::type).containsExactly(Rtnl.RTM_NEWLINK, Rtnl.NLMSG_DONE);
    Map<Integer, byte[]> attrs = msgs.getFirst().attrs(16);
    assertThat(NlMessage.string(attrs, Rtnl.IFLA_IFNAME)).contains("lo");
    byte[] truncated = java.util.Arrays.copyOf(b.array(), 30);
    assertThatThrownBy(() -> NlMessage.parseAll(truncated, 30)).isInstanceOf(IllegalArgumentException.class);
    byte[] badAttr = b.array().clone();
    ByteBuffer.wrap(badAttr).order(ByteOrder.LITTLE_ENDIAN).putShort(32, (short) 200);
    assertThatThrownBy(() -> NlMessage.parseAll(badAttr, 60).getFirst().attrs(16)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unclosedNestIsABug() {
    assertThatThrownBy(() -> new NlRequest(Rtnl.RTM_NEWLINK, 0).ifinfomsg(0, 0, 0, 0, 0).begin(Rtnl.IFLA_LINKINFO).build(1))
        .isInstanceOf(IllegalStateException.class);
  }
}
