package io.calyx.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * TCP listeners and bounded connection attempts inside test network namespaces, from this JVM: a socket
 * belongs to the namespace of the thread that creates it, so each namespace gets one platform thread that
 * entered it ({@link NetnsThreads}). No helper processes (nc, socat, python) needed. Listeners accept and
 * keep connections open until {@link #close()}.
 */
public final class NetnsTcp implements AutoCloseable {
  /** How a connection attempt ended. */
  public enum Outcome {
    CONNECTED,
    /** No answer: a firewall dropped it. */
    TIMED_OUT,
    /** Refused or unreachable: an answer came (a RST or ICMP error). */
    REFUSED
  }

  private final Map<String, ExecutorService> threads = new ConcurrentHashMap<>();
  private final List<ServerSocketChannel> listeners = new ArrayList<>();

  private ExecutorService thread(Netns ns) {
    return threads.computeIfAbsent(ns.name(), n -> NetnsThreads.threadIn(ns));
  }

  /** Listens on {@code port} on every address of {@code ns}. */
  public synchronized void listen(Netns ns, int port) {
    try {
      ServerSocketChannel s = thread(ns).submit(() -> {
        ServerSocketChannel ch = ServerSocketChannel.open();
        ch.bind(new InetSocketAddress(port));
        return ch;
      }).get();
      listeners.add(s);
    } catch (Exception e) {
      throw new IllegalStateException("cannot listen on " + port + " in " + ns.name(), e);
    }
  }

  /** One connection attempt from {@code ns} to {@code ip:port}, bounded by {@code timeoutMs}. */
  public Outcome connect(Netns ns, String ip, int port, int timeoutMs) {
    try {
      return thread(ns).submit(() -> {
        try (SocketChannel ch = SocketChannel.open()) {
          ch.socket().connect(new InetSocketAddress(InetAddress.getByName(ip), port), timeoutMs);
          return Outcome.CONNECTED;
        } catch (SocketTimeoutException e) {
          return Outcome.TIMED_OUT;
        } catch (IOException e) {
          return Outcome.REFUSED;
        }
      }).get();
    } catch (Exception e) {
      throw new IllegalStateException("cannot connect from " + ns.name(), e);
    }
  }

  /** Whether a connection succeeds within 2 s. */
  public boolean reaches(Netns from, String ip, int port) {
    return connect(from, ip, port, 2000) == Outcome.CONNECTED;
  }

  /** Whether a connection attempt goes unanswered for 1 s (dropped by a firewall). */
  public boolean blocked(Netns from, String ip, int port) {
    return connect(from, ip, port, 1000) == Outcome.TIMED_OUT;
  }

  @Override
  public synchronized void close() {
    for (ServerSocketChannel s : listeners) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    listeners.clear();
    threads.values().forEach(ExecutorService::shutdownNow);
    threads.clear();
  }
}
