package io.calyx.netns.nl;

/** rtnetlink constants (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/neighbour.h). */
public final class Rtnl {
  private Rtnl() {}

  public static final int NLMSG_NOOP = 1;
  public static final int NLMSG_ERROR = 2;
  public static final int NLMSG_DONE = 3;

  public static final int NLM_F_REQUEST = 0x1;
  public static final int NLM_F_MULTI = 0x2;
  public static final int NLM_F_ACK = 0x4;
  public static final int NLM_F_DUMP_INTR = 0x10;
  public static final int NLM_F_ROOT = 0x100;
  public static final int NLM_F_MATCH = 0x200;
  public static final int NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
  public static final int NLM_F_REPLACE = 0x100;
  public static final int NLM_F_EXCL = 0x200;
  public static final int NLM_F_CREATE = 0x400;

  public static final int RTM_NEWLINK = 16;
  public static final int RTM_DELLINK = 17;
  public static final int RTM_GETLINK = 18;
  public static final int RTM_NEWADDR = 20;
  public static final int RTM_DELADDR = 21;
  public static final int RTM_GETADDR = 22;
  public static final int RTM_NEWROUTE = 24;
  public static final int RTM_DELROUTE = 25;
  public static final int RTM_GETROUTE = 26;
  public static final int RTM_NEWNEIGH = 28;
  public static final int RTM_DELNEIGH = 29;
  public static final int RTM_GETNEIGH = 30;

  public static final int AF_UNSPEC = 0;
  public static final int AF_INET = 2;
  public static final int AF_INET6 = 10;

  public static final int IFF_UP = 0x1;

  public static final int IFLA_ADDRESS = 1;
  public static final int IFLA_IFNAME = 3;
  public static final int IFLA_MTU = 4;
  public static final int IFLA_LINK = 5;
  public static final int IFLA_LINKINFO = 18;
  public static final int IFLA_NET_NS_FD = 28;
  public static final int IFLA_INFO_KIND = 1;
  public static final int IFLA_INFO_DATA = 2;
  public static final int VETH_INFO_PEER = 1;

  public static final int IFA_ADDRESS = 1;
  public static final int IFA_F_NODAD = 0x02;
  public static final int IFA_LOCAL = 2;

  public static final int RTA_DST = 1;
  public static final int RTA_OIF = 4;
  public static final int RTA_GATEWAY = 5;
  public static final int RTA_PRIORITY = 6;
  public static final int RTA_TABLE = 15;

  public static final int RT_TABLE_MAIN = 254;
  public static final int RTPROT_BOOT = 3;
  public static final int RTPROT_KERNEL = 2;
  public static final int RTPROT_STATIC = 4;
  public static final int RT_SCOPE_UNIVERSE = 0;
  public static final int RT_SCOPE_LINK = 253;
  public static final int RT_SCOPE_HOST = 254;
  public static final int RTN_UNICAST = 1;
  public static final int RTN_BLACKHOLE = 6;
  public static final int RTNH_F_ONLINK = 4;

  public static final int NDA_DST = 1;
  public static final int NDA_LLADDR = 2;
  public static final int NUD_PERMANENT = 0x80;

  public static final int NLMSG_HDRLEN = 16;

  /** Aligns to 4 bytes, as NLMSG_ALIGN and RTA_ALIGN do. */
  public static int align(int n) {
    return (n + 3) & ~3;
  }

  /** Human name of a message type, for errors. */
  public static String typeName(int type) {
    return switch (type) {
      case RTM_NEWLINK -> "RTM_NEWLINK";
      case RTM_DELLINK -> "RTM_DELLINK";
      case RTM_GETLINK -> "RTM_GETLINK";
      case RTM_NEWADDR -> "RTM_NEWADDR";
      case RTM_DELADDR -> "RTM_DELADDR";
      case RTM_GETADDR -> "RTM_GETADDR";
      case RTM_NEWROUTE -> "RTM_NEWROUTE";
      case RTM_DELROUTE -> "RTM_DELROUTE";
      case RTM_GETROUTE -> "RTM_GETROUTE";
      case RTM_NEWNEIGH -> "RTM_NEWNEIGH";
      case RTM_DELNEIGH -> "RTM_DELNEIGH";
      case RTM_GETNEIGH -> "RTM_GETNEIGH";
      default -> "netlink type " + type;
    };
  }
}
