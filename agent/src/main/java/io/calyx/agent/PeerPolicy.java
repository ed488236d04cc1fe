package io.calyx.agent;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Who may talk to the agent: root (the Mesos agent runs plugins as root), or the user the agent itself
 * runs as (an unprivileged development agent). Checked with SO_PEERCRED, which the kernel fills in, so a
 * client cannot lie about it. The socket's mode (0600) is the first fence; this is the second.
 */
final class PeerPolicy {
  private final String ownUser;

  PeerPolicy(String ownUser) {
    this.ownUser = ownUser;
  }

  static PeerPolicy forThisProcess() {
    return new PeerPolicy(System.getProperty("user.name"));
  }

  /** Empty when the peer may proceed; otherwise the reason to refuse it. */
  Optional<String> refusal(SocketChannel channel) throws IOException {
    UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
    String user = peer.user().getName();
    if (user.equals("root") || user.equals(ownUser)) {
      return Optional.empty();
    }
    return Optional.of("calyx-agent serves only root (and its own user " + ownUser + "), not user " + user);
  }
}
