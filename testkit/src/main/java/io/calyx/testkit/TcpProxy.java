package io.calyx.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 in front of a loopback server, for ambiguous-outcome tests: once {@link #armDrop
 * armed}, the first chunk a client sends of at least a given size (a write request rather than a small read
 * or keep-alive) is forwarded to the server in full, and then the client's connection is cut at once, before
 * any answer. The server still receives and applies the request; the client cannot know whether it did. The
 * server side is drained for a moment and closed, and new connections are served as before.
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final List<Socket> open = new ArrayList<>();
  private final Thread acceptor;
  private final AtomicInteger armedMinBytes = new AtomicInteger(-1);
  private final AtomicInteger drops = new AtomicInteger();
  private volatile boolean closed;

  /** Listens on a free 127.0.0.1 port and forwards to {@code 127.0.0.1:targetPort}. */
  public TcpProxy(int targetPort) throws IOException {
    this.target = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = Thread.ofVirtual().name("tcp-proxy-accept").start(this::accept);
  }

  public int port() {
    return server.getLocalPort();
  }

  /** The proxy's URL for an {@code http://127.0.0.1:<port>} server. */
  public String endpoint() {
    return "http://127.0.0.1:" + port();
  }

  /** Cuts the connection right after forwarding the next client chunk of at least {@code minBytes} bytes (once). */
  public void armDrop(int minBytes) {
    armedMinBytes.set(minBytes);
  }

  /** Whether an armed drop is still waiting for its request. */
  public boolean armed() {
    return armedMinBytes.get() >= 0;
  }

  /** Disarms a drop that has not happened. */
  public void disarm() {
    armedMinBytes.set(-1);
  }

  /** Cuts every open connection at once (both sides), as a network failure would; new ones are served. */
  public void cutAll() {
    synchronized (open) {
      open.forEach(TcpProxy::closeQuietly);
      open.clear();
    }
  }

  /** How many connections were cut after a forwarded request. */
  public int drops() {
    return drops.get();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket();
        try {
          upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 2000);
        } catch (IOException e) {
          client.close();
          continue;
        }
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        synchronized (open) {
          open.add(client);
          open.add(upstream);
        }
        java.util.concurrent.atomic.AtomicBoolean cut = new java.util.concurrent.atomic.AtomicBoolean();
        Thread.ofVirtual().start(() -> pump(client, upstream, true, cut));
        Thread.ofVirtual().start(() -> pump(upstream, client, false, cut));
      } catch (IOException e) {
        if (!closed) {
          continue;
        }
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, boolean fromClient, java.util.concurrent.atomic.AtomicBoolean cut) {
    byte[] buf = new byte[64 * 1024];
    try {
      // Not try-with-resources: closing a socket's stream closes the socket, and a cut connection's server
      // side must stay open for a moment.
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        out.flush();
        int min = armedMinBytes.get();
        if (fromClient && min >= 0 && n >= min && armedMinBytes.compareAndSet(min, -1)) {
          drops.incrementAndGet();
          cut.set(true);
          // The request is on its way to the server: cut the client off before any answer comes back,
          // and give the server a moment to read it before closing its side too.
          from.close();
          Thread.sleep(500);
          to.close();
          return;
        }
      }
    } catch (IOException e) {
      // either side closed: close both below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (!fromClient && cut.get()) {
        // the client side was cut: the other pump closes the server side after its grace
        closeQuietly(to);
      } else {
        closeQuietly(from);
        closeQuietly(to);
      }
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    synchronized (open) {
      open.forEach(TcpProxy::closeQuietly);
      open.clear();
    }
    try {
      acceptor.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
