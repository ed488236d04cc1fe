package io.calyx.agent;

import io.calyx.cni.request.Role;
import io.calyx.cni.skel.CniDispatcher;
import io.calyx.cni.skel.CniResponse;
import io.calyx.cni.spec.CniException;
import io.calyx.cni.spec.CniVersion;
import io.calyx.cni.wire.ForwarderProtocol;
import io.calyx.core.Deadline;
import io.calyx.core.Elapsed;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the native forwarders on a unix socket (mode 0600, peers checked with SO_PEERCRED): one virtual
 * thread per connection, one frame in, one frame out, each request logged with its container, command,
 * outcome and duration.
 */
public final class AgentServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentServer.class);
  /** A client that connected must send its whole frame within this time. */
  static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
  private static final int BACKLOG = 256;

  private final Path socket;
  private final CniDispatcher dispatcher;
  private final PeerPolicy peers;
  private final Clock clock;
  private final ServerSocketChannel server;
  private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService watchdog =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("calyx-read-watchdog").factory());
  private final Thread acceptor;

  private AgentServer(Path socket, CniDispatcher dispatcher, PeerPolicy peers, Clock clock, ServerSocketChannel server) {
    this.socket = socket;
    this.dispatcher = dispatcher;
    this.peers = peers;
    this.clock = clock;
    this.server = server;
    this.acceptor = Thread.ofPlatform().name("calyx-accept").daemon().unstarted(this::acceptLoop);
  }

  /**
   * Binds the socket and starts serving.
   *
   * @throws IOException when the socket cannot be bound, or another agent already serves it
   */
  public static AgentServer start(Path socket, CniDispatcher dispatcher, PeerPolicy peers, Clock clock) throws IOException {
    Files.createDirectories(socket.getParent());
    removeStaleSocket(socket);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    // Bound and made owner-only under another name, then renamed: the socket path appears only once it
    // accepts connections (between bind and listen a plugin would get "connection refused") and never with
    // looser permissions. A path too long for the extra suffix is bound in place.
    Path binding = socket.resolveSibling(socket.getFileName() + ".new");
    boolean viaRename = binding.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_SOCKET_PATH;
    try {
      Path at = viaRename ? binding : socket;
      Files.deleteIfExists(binding);
      server.bind(UnixDomainSocketAddress.of(at), BACKLOG);
      Files.setPosixFilePermissions(at, PosixFilePermissions.fromString("rw-------"));
      if (viaRename) {
        Files.move(binding, socket, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException e) {
      server.close();
      Files.deleteIfExists(binding);
      throw new IOException("cannot listen on " + socket + ": " + e.getMessage(), e);
    }
    AgentServer s = new AgentServer(socket, dispatcher, peers, clock, server);
    s.acceptor.start();
    return s;
  }

  /** sun_path holds 108 bytes with the terminating NUL. */
  private static final int MAX_SOCKET_PATH = 107;

  /** A socket file nobody answers on is left over from a killed agent; one that answers belongs to a live one. */
  private static void removeStaleSocket(Path socket) throws IOException {
    if (!Files.exists(socket)) {
      return;
    }
    boolean live;
    try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      live = probe.isConnected();
    } catch (java.net.SocketException e) {
      live = false; // ConnectException included: nobody listens
    }
    if (live) {
      throw new IOException("another calyx-agent is already serving " + socket + " (stop it first, or use --socket)");
    }
    Files.delete(socket);
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        if (server.isOpen()) {
          LOG.warn("accept on {} failed: {}", socket, e.toString());
        }
        continue;
      }
      try {
        workers.execute(() -> serve(ch));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        closeQuietly(ch); // shutting down
      }
    }
  }

  private void serve(SocketChannel ch) {
    long start = System.nanoTime();
    try (ch) {
      Optional<String> refusal = peers.refusal(ch);
      if (refusal.isPresent()) {
        LOG.warn("refused a client: {}", refusal.get());
        reply(ch, CniDispatcher.error(CniVersion.DEFAULT, CniException.PERMISSION_DENIED, refusal.get(), ""));
        return;
      }
      long checked = System.nanoTime();
      ForwarderProtocol.Request request = readWithTimeout(ch);
      long read = System.nanoTime();
      Deadline deadline = Deadline.in(Duration.ofMillis(Math.min(request.budgetMillis(), 600_000)), clock);
      CniResponse response = dispatcher.handle(request.role(), request.env(), request.stdin(), deadline);
      long handled = System.nanoTime();
      boolean delivered = reply(ch, response);
      if (LOG.isDebugEnabled()) {
        // Where a request's time goes inside the agent (docs/performance.md): SO_PEERCRED check, frame read,
        // parsing + handling + result encoding, reply written.
        LOG.debug("{} {} ms: peer {} read {} handled {} replied {}", request.env().getOrDefault("CNI_COMMAND", "?"),
            printable(request.env().getOrDefault("CNI_CONTAINERID", "-")), Elapsed.ms(checked, start), Elapsed.ms(read, start), Elapsed.ms(handled, start),
            Elapsed.ms(System.nanoTime(), start));
      }
      log(request, response, start, delivered);
    } catch (ForwarderProtocol.ProtocolException e) {
      LOG.warn("dropped a malformed request: {}", e.getMessage());
    } catch (IOException e) {
      LOG.warn("request failed: {}", e.toString());
    } catch (RuntimeException e) {
      LOG.error("unexpected failure serving a request", e);
    }
  }

  private ForwarderProtocol.Request readWithTimeout(SocketChannel ch) throws IOException {
    ScheduledFuture<?> guard = watchdog.schedule(() -> closeQuietly(ch), READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    try {
      return ForwarderProtocol.readRequest(Channels.newInputStream(ch));
    } finally {
      guard.cancel(false);
    }
  }

  private static boolean reply(SocketChannel ch, CniResponse response) {
    try {
      ForwarderProtocol.writeReply(Channels.newOutputStream(ch),
          new ForwarderProtocol.Reply(response.exitCode(), response.stdout(), response.stderr().getBytes(StandardCharsets.UTF_8)));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void log(ForwarderProtocol.Request request, CniResponse response, long startNanos, boolean delivered) {
    Map<String, String> env = request.env();
    double ms = (System.nanoTime() - startNanos) / 1e6;
    String line = String.format("%s %s container=%s ifname=%s %s %.1f ms%s",
        request.role() == Role.IPAM ? "calyx-ipam" : "calyx",
        printable(env.getOrDefault("CNI_COMMAND", "?")),
        printable(env.getOrDefault("CNI_CONTAINERID", "-")),
        printable(env.getOrDefault("CNI_IFNAME", "-")),
        printable(response.summary()),
        ms,
        delivered ? "" : " (the caller had gone: answer not delivered)");
    if (response.exitCode() == 0) {
      LOG.info(line);
    } else {
      LOG.warn(line);
    }
  }

  /** Keeps untrusted text on one log line. */
  private static String printable(String s) {
    String cut = s.length() > 300 ? s.substring(0, 300) + "..." : s;
    return cut.replaceAll("[\\p{Cntrl}]", "?");
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  /**
   * Stops accepting, lets requests in flight finish (they are bounded by their deadlines) for up to
   * {@code grace}, and removes the socket file.
   */
  public void close(Duration grace) {
    try {
      server.close();
    } catch (IOException e) {
      LOG.warn("closing {}: {}", socket, e.toString());
    }
    workers.shutdown();
    try {
      if (!workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("requests still running after {} s; stopping anyway", grace.toSeconds());
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    watchdog.shutdownNow();
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", socket, e.toString());
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
