package io.calyx.netns;

import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import io.calyx.core.net.IpPrefix;
import io.calyx.netns.nl.NlMessage;
import io.calyx.netns.nl.NlRequest;
import io.calyx.netns.nl.Rtnl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An rtnetlink handle bound to one network namespace: its socket is opened inside that namespace (on the
 * namespace switcher thread) and then used from any thread, so callers never change namespace. Methods
 * follow iproute2's nouns; each names its {@code ip} equivalent. Requests are serialised per handle.
 */
public final class Netlink implements AutoCloseable {
  private static final int RECV_BUFFER = 64 * 1024;
  private static final int DUMP_RETRIES = 5;
  private static final long RECV_TIMEOUT_MS = 5000;

  private final int fd;
  private final String where;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment rx = arena.allocate(RECV_BUFFER);
  private int seq = (int) (System.nanoTime() & 0x3fffffff);

  private Netlink(int fd, String where) {
    this.fd = fd;
    this.where = where;
    Libc.setReceiveTimeout(fd, RECV_TIMEOUT_MS);
    Libc.bindNetlink(fd);
  }

  /** A handle for the agent's own namespace. */
  public static Netlink host() {
    return new Netlink(Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_ROUTE), "host");
  }

  /** A handle for the namespace of {@code nsFd} (see {@link Namespaces#open}). */
  public static Netlink in(int nsFd, String what) {
    int fd = Namespaces.inNamespace(nsFd, what, () -> Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_ROUTE));
    return new Netlink(fd, what);
  }

  @Override
  public synchronized void close() {
    Libc.close(fd);
    arena.close();
  }

  // ---- transport

  private byte[] send(NlRequest req) {
    byte[] msg = req.build(++seq);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment tx = a.allocate(msg.length);
      MemorySegment.copy(msg, 0, tx, ValueLayout.JAVA_BYTE, 0, msg.length);
      Libc.sendToKernel(fd, tx, msg.length, Rtnl.typeName(req.type()) + " in " + where);
    }
    return msg;
  }

  private List<NlMessage> receive(String what) {
    int n = Libc.recv(fd, rx, what);
    byte[] data = rx.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    return NlMessage.parseAll(data, n);
  }

  /** Sends {@code req} and returns the first answer to it (answers to earlier, timed-out requests are skipped). */
  private NlMessage reply(NlRequest req, String object) {
    send(req);
    int expected = seq;
    String what = Rtnl.typeName(req.type()) + " " + object;
    while (true) {
      for (NlMessage m : receive(what)) {
        if (m.seq() == expected) {
          return m;
        }
      }
    }
  }

  /** Sends a request that wants an ACK; throws the kernel's error naming {@code object}. */
  synchronized void ack(NlRequest req, String object) {
    NlMessage m = reply(req, object);
    if (m.type() == Rtnl.NLMSG_ERROR && m.error() != 0) {
      throw new NativeException(Rtnl.typeName(req.type()), object, -m.error());
    }
  }

  /** Sends a request that is answered with one message (a get); throws the kernel's error naming {@code object}. */
  synchronized NlMessage get(NlRequest req, String object) {
    NlMessage m = reply(req, object);
    if (m.type() == Rtnl.NLMSG_ERROR) {
      throw new NativeException(Rtnl.typeName(req.type()), object, m.error() == 0 ? Errno.EINVAL : -m.error());
    }
    return m;
  }

  /** Sends a dump request and collects every answer; repeats the dump when the kernel says it was interrupted. */
  synchronized List<NlMessage> dump(java.util.function.Supplier<NlRequest> request, String object) {
    for (int attempt = 0; attempt < DUMP_RETRIES; attempt++) {
      NlRequest req = request.get();
      send(req);
      int expected = seq;
      String what = Rtnl.typeName(req.type()) + " " + object;
      List<NlMessage> out = new ArrayList<>();
      boolean interrupted = false;
      boolean done = false;
      while (!done) {
        for (NlMessage m : receive(what)) {
          if (m.seq() != expected) {
            continue;
          }
          interrupted |= (m.flags() & Rtnl.NLM_F_DUMP_INTR) != 0;
          if (m.type() == Rtnl.NLMSG_DONE) {
            done = true;
          } else if (m.type() == Rtnl.NLMSG_ERROR) {
            if (m.error() != 0) {
              throw new NativeException(Rtnl.typeName(req.type()), object, -m.error());
            }
            done = true;
          } else {
            out.add(m);
          }
        }
      }
      if (!interrupted) {
        return out;
      }
    }
    throw new NativeException("dump " + object + " in " + where + " was interrupted " + DUMP_RETRIES + " times");
  }

  // ---- links

  static Link parseLink(NlMessage m) {
    int index = m.i32(4);
    int flags = m.i32(8);
    Map<Integer, byte[]> a = m.attrs(16);
    String mac = Optional.ofNullable(a.get(Rtnl.IFLA_ADDRESS)).map(Netlink::mac).orElse("");
    String kind = Optional.ofNullable(a.get(Rtnl.IFLA_LINKINFO)).flatMap(li -> NlMessage.string(NlMessage.nested(li), Rtnl.IFLA_INFO_KIND)).orElse("");
    return new Link(index, NlMessage.string(a, Rtnl.IFLA_IFNAME).orElse(""), mac, NlMessage.int32(a, Rtnl.IFLA_MTU).orElse(0),
        (flags & Rtnl.IFF_UP) != 0, kind);
  }

  static String mac(byte[] b) {
    return HexFormat.ofDelimiter(":").formatHex(b);
  }

  static byte[] macBytes(String mac) {
    return HexFormat.ofDelimiter(":").parseHex(mac);
  }

  /** {@code ip link show NAME}; empty when there is no such link. */
  public Optional<Link> link(String name) {
    try {
      NlMessage m = get(new NlRequest(Rtnl.RTM_GETLINK, 0).ifinfomsg(Rtnl.AF_UNSPEC, 0, 0, 0, 0)
          .attrString(Rtnl.IFLA_IFNAME, name), "link " + name);
      return Optional.of(parseLink(m));
    } catch (NativeException e) {
      if (e.is(Errno.ENODEV)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** {@code ip link show}. */
  public List<Link> links() {
    return dump(() -> new NlRequest(Rtnl.RTM_GETLINK, Rtnl.NLM_F_DUMP).ifinfomsg(Rtnl.AF_UNSPEC, 0, 0, 0, 0), "links")
        .stream().filter(m -> m.type() == Rtnl.RTM_NEWLINK).map(Netlink::parseLink).toList();
  }

  /**
   * {@code ip link add NAME [address MAC] [mtu MTU] type veth peer name PEER [address PEERMAC] netns NS}: the
   * peer is created directly inside the namespace of {@code peerNsFd} (no move afterwards, which costs the
   * kernel an RCU grace period); without {@code peerMac} the kernel picks a random one.
   */
  public void addVeth(String name, Optional<String> mac, OptionalInt mtu, String peerName, int peerNsFd, Optional<String> peerMac,
      OptionalInt peerMtu) {
    NlRequest r = new NlRequest(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL | Rtnl.NLM_F_ACK)
        .ifinfomsg(Rtnl.AF_UNSPEC, 0, 0, 0, 0)
        .attrString(Rtnl.IFLA_IFNAME, name);
    mac.ifPresent(m -> r.attr(Rtnl.IFLA_ADDRESS, macBytes(m)));
    mtu.ifPresent(m -> r.attrInt(Rtnl.IFLA_MTU, m));
    r.begin(Rtnl.IFLA_LINKINFO).attrString(Rtnl.IFLA_INFO_KIND, "veth").begin(Rtnl.IFLA_INFO_DATA).begin(Rtnl.VETH_INFO_PEER)
        .ifinfomsg(Rtnl.AF_UNSPEC, 0, 0, 0, 0)
        .attrString(Rtnl.IFLA_IFNAME, peerName)
        .attrInt(Rtnl.IFLA_NET_NS_FD, peerNsFd);
    peerMac.ifPresent(m -> r.attr(Rtnl.IFLA_ADDRESS, macBytes(m)));
    peerMtu.ifPresent(m -> r.attrInt(Rtnl.IFLA_MTU, m));
    r.end().end().end();
    ack(r, "veth " + name);
  }

  /** {@code ip link set dev INDEX up} (or down). */
  public void setUp(int index, boolean up, String name) {
    ack(new NlRequest(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_ACK).ifinfomsg(Rtnl.AF_UNSPEC, 0, index, up ? Rtnl.IFF_UP : 0, Rtnl.IFF_UP), "link " + name);
  }

  /**
   * {@code ip link set dev NAME up|down} in one request (the kernel finds the link by name); false when there
   * is no such link. DEL cuts a container off with it: a lookup first would double the round trips.
   */
  public boolean setUp(String name, boolean up) {
    try {
      ack(new NlRequest(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_ACK).ifinfomsg(Rtnl.AF_UNSPEC, 0, 0, up ? Rtnl.IFF_UP : 0, Rtnl.IFF_UP)
          .attrString(Rtnl.IFLA_IFNAME, name), "link " + name);
      return true;
    } catch (NativeException e) {
      if (e.is(Errno.ENODEV)) {
        return false;
      }
      throw e;
    }
  }

  /** {@code ip link set dev INDEX mtu MTU}. */
  public void setMtu(int index, int mtu, String name) {
    ack(new NlRequest(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_ACK).ifinfomsg(Rtnl.AF_UNSPEC, 0, index, 0, 0).attrInt(Rtnl.IFLA_MTU, mtu), "link " + name);
  }

  /** {@code ip link set dev INDEX address MAC}. */
  public void setMac(int index, String mac, String name) {
    ack(new NlRequest(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_ACK).ifinfomsg(Rtnl.AF_UNSPEC, 0, index, 0, 0).attr(Rtnl.IFLA_ADDRESS, macBytes(mac)), "link " + name);
  }

  /** {@code ip link set dev INDEX name NEW} (the link must be down). */
  public void rename(int index, String newName) {
    ack(new NlRequest(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_ACK).ifinfomsg(Rtnl.AF_UNSPEC, 0, index, 0, 0).attrString(Rtnl.IFLA_IFNAME, newName),
        "link " + index + " -> " + newName);
  }

  /** {@code ip link del NAME}; returns false when there was no such link. */
  public boolean deleteLink(String name) {
    try {
      ack(new NlRequest(Rtnl.RTM_DELLINK, Rtnl.NLM_F_ACK).ifinfomsg(Rtnl.AF_UNSPEC, 0, 0, 0, 0).attrString(Rtnl.IFLA_IFNAME, name), "link " + name);
      return true;
    } catch (NativeException e) {
      if (e.is(Errno.ENODEV)) {
        return false;
      }
      throw e;
    }
  }

  // ---- addresses

  private static int af(IpFamily f) {
    return f == IpFamily.V4 ? Rtnl.AF_INET : Rtnl.AF_INET6;
  }

  /**
   * {@code ip addr add PREFIX dev INDEX} ({@code nodad} for IPv6: a fresh container address cannot collide,
   * and duplicate address detection would keep it unusable for a second).
   */
  public void addAddress(int index, IpPrefix prefix, String name) {
    int flags = prefix.family() == IpFamily.V6 ? Rtnl.IFA_F_NODAD : 0;
    ack(new NlRequest(Rtnl.RTM_NEWADDR, Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL | Rtnl.NLM_F_ACK)
        .ifaddrmsg(af(prefix.family()), prefix.length(), flags, Rtnl.RT_SCOPE_UNIVERSE, index)
        .attr(Rtnl.IFA_LOCAL, prefix.address().toBytes())
        .attr(Rtnl.IFA_ADDRESS, prefix.address().toBytes()), "address " + prefix + " dev " + name);
  }

  /** {@code ip addr show} (all families). */
  public List<Addr> addresses() {
    List<Addr> out = new ArrayList<>();
    for (NlMessage m : dump(() -> new NlRequest(Rtnl.RTM_GETADDR, Rtnl.NLM_F_DUMP).ifaddrmsg(Rtnl.AF_UNSPEC, 0, 0, 0, 0), "addresses")) {
      if (m.type() != Rtnl.RTM_NEWADDR) {
        continue;
      }
      Map<Integer, byte[]> a = m.attrs(8);
      byte[] ip = a.containsKey(Rtnl.IFA_LOCAL) ? a.get(Rtnl.IFA_LOCAL) : a.get(Rtnl.IFA_ADDRESS);
      if (ip != null) {
        out.add(new Addr(m.i32(4), new IpPrefix(IpAddress.ofBytes(ip), m.u8(1)), m.u8(3)));
      }
    }
    return out;
  }

  // ---- routes

  private NlRequest routeRequest(int type, int flags, Route r) {
    IpFamily f = r.dst().family();
    NlRequest req = new NlRequest(type, flags)
        .rtmsg(af(f), r.dst().length(), Rtnl.RT_TABLE_MAIN, r.protocol(), r.scope(), r.type(), r.onlink() ? Rtnl.RTNH_F_ONLINK : 0)
        .attr(Rtnl.RTA_DST, r.dst().network().address().toBytes());
    r.gateway().ifPresent(g -> req.attr(Rtnl.RTA_GATEWAY, g.toBytes()));
    r.oif().ifPresent(o -> req.attrInt(Rtnl.RTA_OIF, o));
    if (r.metric() != 0) {
      req.attrInt(Rtnl.RTA_PRIORITY, r.metric());
    }
    return req;
  }

  /** {@code ip route add ...}. */
  public void addRoute(Route r) {
    ack(routeRequest(Rtnl.RTM_NEWROUTE, Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL | Rtnl.NLM_F_ACK, r), "route " + r.dst());
  }

  /** {@code ip route replace ...}: idempotent. */
  public void replaceRoute(Route r) {
    ack(routeRequest(Rtnl.RTM_NEWROUTE, Rtnl.NLM_F_CREATE | Rtnl.NLM_F_REPLACE | Rtnl.NLM_F_ACK, r), "route " + r.dst());
  }

  /** {@code ip route del ...}; returns false when there was no such route. */
  public boolean deleteRoute(Route r) {
    try {
      ack(routeRequest(Rtnl.RTM_DELROUTE, Rtnl.NLM_F_ACK, r), "route " + r.dst());
      return true;
    } catch (NativeException e) {
      if (e.is(Errno.ESRCH) || e.is(Errno.ENOENT)) {
        return false;
      }
      throw e;
    }
  }

  /** {@code ip route show table main} for a family. */
  public List<Route> routes(IpFamily family) {
    List<Route> out = new ArrayList<>();
    for (NlMessage m : dump(() -> new NlRequest(Rtnl.RTM_GETROUTE, Rtnl.NLM_F_DUMP).rtmsg(af(family), 0, 0, 0, 0, 0, 0), "routes")) {
      if (m.type() != Rtnl.RTM_NEWROUTE) {
        continue;
      }
      Map<Integer, byte[]> a = m.attrs(12);
      int table = NlMessage.int32(a, Rtnl.RTA_TABLE).orElse(m.u8(4));
      if (table != Rtnl.RT_TABLE_MAIN) {
        continue;
      }
      byte[] dst = a.get(Rtnl.RTA_DST);
      IpAddress dstAddr = dst != null ? IpAddress.ofBytes(dst) : IpAddress.ofBytes(new byte[family.bytes()]);
      Optional<IpAddress> gw = Optional.ofNullable(a.get(Rtnl.RTA_GATEWAY)).map(IpAddress::ofBytes);
      OptionalInt oif = NlMessage.int32(a, Rtnl.RTA_OIF).map(OptionalInt::of).orElse(OptionalInt.empty());
      out.add(new Route(new IpPrefix(dstAddr, m.u8(1)), gw, oif, m.u8(6), m.u8(5), m.u8(7), (m.i32(8) & Rtnl.RTNH_F_ONLINK) != 0,
          NlMessage.int32(a, Rtnl.RTA_PRIORITY).orElse(0)));
    }
    return out;
  }

  // ---- neighbours

  /** {@code ip neigh replace IP lladdr MAC dev INDEX nud permanent}. */
  public void setPermanentNeighbor(int index, IpAddress ip, String mac) {
    ack(new NlRequest(Rtnl.RTM_NEWNEIGH, Rtnl.NLM_F_CREATE | Rtnl.NLM_F_REPLACE | Rtnl.NLM_F_ACK)
        .ndmsg(af(ip.family()), index, Rtnl.NUD_PERMANENT, 0, 0)
        .attr(Rtnl.NDA_DST, ip.toBytes())
        .attr(Rtnl.NDA_LLADDR, macBytes(mac)), "neighbour " + ip);
  }
}
