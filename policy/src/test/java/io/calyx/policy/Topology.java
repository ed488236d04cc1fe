package io.calyx.policy;

import io.calyx.testkit.NetnsThreads;
import io.calyx.testkit.Netns;
import io.calyx.testkit.NetnsExtension.NetnsFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A simulated calyx host in test namespaces: a "host" namespace with a dummy interface holding the host's
 * address, and "containers" wired the way the calyx dataplane wires them (a {@code cali*} veth, the
 * container's /32 (and /128) behind the link-local gateway 169.254.1.1 / fe80::ecee:eeff:feee:eeee with
 * proxy ARP on the host side, a host route per address). TCP listeners and connects run on platform
 * threads that entered the namespaces, so no tool beyond iproute2 is needed.
 */
final class Topology implements AutoCloseable {
  static final String HOST_IP = "10.99.0.1";
  static final int CONNECT_OK_MS = 2000;
  static final int CONNECT_BLOCKED_MS = 600;

  final Netns host;
  private final NetnsFactory factory;
  private final Map<String, Netns> containers = new HashMap<>();
  private final Map<String, ExecutorService> threads = new HashMap<>();
  private final List<ServerSocketChannel> listeners = new ArrayList<>();

  Topology(NetnsFactory factory) {
    this.factory = factory;
    this.host = factory.create();
    sh(host, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    sh(host, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
    sh(host, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0");
    // The host's address on a veth whose peer stays in the host namespace (no dummy module needed).
    sh(host, "ip", "link", "add", "host0", "type", "veth", "peer", "name", "host0p");
    sh(host, "ip", "addr", "add", HOST_IP + "/32", "dev", "host0");
    sh(host, "ip", "link", "set", "host0p", "up");
    sh(host, "ip", "link", "set", "host0", "up");
    threads.put("host", NetnsThreads.threadIn(host));
  }

  /** A container named {@code name} behind host veth {@code veth} with {@code ips} (IPv4 and/or IPv6). */
  Netns container(String name, String veth, String... ips) {
    Netns c = factory.create();
    sh(c, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0");
    sh(c, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0");
    sh(host, "ip", "link", "add", veth, "address", "ee:ee:ee:ee:ee:ee", "type", "veth", "peer", "name", "eth0", "netns", c.name());
    sh(host, "sysctl", "-qw", "net.ipv4.conf." + veth + ".proxy_arp=1");
    sh(host, "sysctl", "-qw", "net.ipv4.neigh." + veth + ".proxy_delay=0");
    sh(host, "ip", "link", "set", veth, "up");
    sh(c, "ip", "link", "set", "eth0", "up");
    sh(c, "ip", "route", "add", "169.254.1.1", "dev", "eth0", "scope", "link");
    sh(c, "ip", "route", "add", "default", "via", "169.254.1.1", "dev", "eth0");
    sh(c, "ip", "neigh", "replace", "169.254.1.1", "lladdr", "ee:ee:ee:ee:ee:ee", "dev", "eth0", "nud", "permanent");
    for (String ip : ips) {
      boolean v6 = ip.contains(":");
      sh(c, "ip", "addr", "add", ip + (v6 ? "/128" : "/32"), "dev", "eth0", v6 ? "nodad" : "noprefixroute");
      sh(host, "ip", v6 ? "-6" : "-4", "route", "add", ip + (v6 ? "/128" : "/32"), "dev", veth);
    }
    if (List.of(ips).stream().anyMatch(ip -> ip.contains(":"))) {
      sh(c, "ip", "-6", "route", "add", "default", "via", "fe80::ecee:eeff:feee:eeee", "dev", "eth0", "onlink");
    }
    containers.put(name, c);
    threads.put(name, NetnsThreads.threadIn(c));
    return c;
  }

  /** A plain routed neighbour (no cali* veth): another host's container, as seen through the network. */
  Netns remote(String name, String ip) {
    Netns r = factory.create();
    sh(host, "ip", "link", "add", "ext-" + name, "address", "ee:ee:ee:ee:ee:ee", "type", "veth", "peer", "name", "eth0", "netns", r.name());
    sh(host, "sysctl", "-qw", "net.ipv4.conf.ext-" + name + ".proxy_arp=1");
    sh(host, "ip", "link", "set", "ext-" + name, "up");
    sh(host, "ip", "route", "add", ip + "/32", "dev", "ext-" + name);
    sh(r, "ip", "addr", "add", ip + "/32", "dev", "eth0");
    sh(r, "ip", "link", "set", "eth0", "up");
    sh(r, "ip", "route", "add", "169.254.1.1", "dev", "eth0", "scope", "link");
    sh(r, "ip", "route", "add", "default", "via", "169.254.1.1", "dev", "eth0");
    sh(r, "ip", "neigh", "replace", "169.254.1.1", "lladdr", "ee:ee:ee:ee:ee:ee", "dev", "eth0", "nud", "permanent");
    containers.put(name, r);
    threads.put(name, NetnsThreads.threadIn(r));
    return r;
  }

  /** Listens on {@code port} (all addresses, both families) in {@code who} ("host" or a container), accepting and closing. */
  void listen(String who, int port) throws Exception {
    ServerSocketChannel s = threads.get(who).submit(() -> {
      ServerSocketChannel ch = ServerSocketChannel.open();
      ch.bind(new InetSocketAddress(InetAddress.getByName("::"), port));
      return ch;
    }).get();
    listeners.add(s);
    Thread.ofVirtual().start(() -> {
      while (s.isOpen()) {
        try (SocketChannel c = s.accept()) {
          // accepted: the handshake is what the tests look at
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  /** How a connection attempt ended. */
  enum Outcome { CONNECTED, REFUSED, TIMED_OUT, OTHER }

  /** Tries a TCP connection from {@code from} ("host" or a container) to {@code ip:port}. */
  Outcome connect(String from, String ip, int port, int timeoutMs) throws Exception {
    Future<Outcome> f = threads.get(from).submit(() -> {
      try (SocketChannel ch = SocketChannel.open()) {
        ch.socket().connect(new InetSocketAddress(InetAddress.getByName(ip), port), timeoutMs);
        return Outcome.CONNECTED;
      } catch (java.net.SocketTimeoutException e) {
        return Outcome.TIMED_OUT;
      } catch (java.net.ConnectException e) {
        return String.valueOf(e.getMessage()).contains("refused") ? Outcome.REFUSED : Outcome.OTHER;
      } catch (IOException e) {
        return Outcome.OTHER;
      }
    });
    return f.get(timeoutMs + 5000L, TimeUnit.MILLISECONDS);
  }

  /** The handshake completes. */
  boolean reachable(String from, String ip, int port) throws Exception {
    return connect(from, ip, port, CONNECT_OK_MS) == Outcome.CONNECTED;
  }

  /** The SYN is dropped silently (not refused: a refusal would mean the packet got through). */
  boolean blocked(String from, String ip, int port) throws Exception {
    return connect(from, ip, port, CONNECT_BLOCKED_MS) == Outcome.TIMED_OUT;
  }

  private static void sh(Netns ns, String... cmd) {
    io.calyx.testkit.Commands.Output out = ns.exec(cmd);
    if (out.exitCode() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " in " + ns.name() + " exited " + out.exitCode() + ": " + out.stderr().strip());
    }
  }

  @Override
  public void close() {
    for (ServerSocketChannel s : listeners) {
      try {
        s.close();
      } catch (IOException e) {
        // best effort
      }
    }
    threads.values().forEach(ExecutorService::shutdownNow);
  }
}
