package io.calyx.cni.forwarder;

import io.calyx.cni.wire.ForwarderProtocol;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in agent for forwarder tests: a real unix socket server whose answer to each request is scripted
 * (reply, stall, hang up, or send garbage), recording every request it got.
 */
final class ScriptedAgent implements AutoCloseable {
  /** What the agent does with a request. */
  interface Script {
    void answer(ForwarderProtocol.Request request, SocketChannel channel) throws Exception;
  }

  final Path socket;
  final List<ForwarderProtocol.Request> requests = new CopyOnWriteArrayList<>();
  private final ServerSocketChannel server;
  private final Thread acceptor;

  ScriptedAgent(Path dir, Script script) throws IOException {
    socket = dir.resolve("agent.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    acceptor = Thread.ofPlatform().daemon().start(() -> {
      while (server.isOpen()) {
        try {
          SocketChannel ch = server.accept();
          Thread.ofVirtual().start(() -> {
            try (ch) {
              ForwarderProtocol.Request r = ForwarderProtocol.readRequest(Channels.newInputStream(ch));
              requests.add(r);
              script.answer(r, ch);
            } catch (Exception e) {
              // the forwarder went away: fine for these tests
            }
          });
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  static Script replying(int exit, String stdout, String stderr) {
    return (r, ch) -> ForwarderProtocol.writeReply(Channels.newOutputStream(ch),
        new ForwarderProtocol.Reply(exit, stdout.getBytes(java.nio.charset.StandardCharsets.UTF_8), stderr.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Override
  public void close() throws IOException {
    server.close();
    try {
      acceptor.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Files.deleteIfExists(socket);
  }
}
