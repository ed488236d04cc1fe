package io.calyx.cli;

import io.calyx.core.Deadline;
import io.calyx.core.store.Datastore;
import io.calyx.datastore.etcd.EtcdDatastore;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Opens the datastore a command works on, from the global options. */
final class Etcd {
  /** Every datastore call of a command gets this long; an unreachable etcd fails well within 20 s. */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(8);

  private Etcd() {}

  static Datastore open(GlobalOptions global) {
    if (global.etcdCaCert != null || global.etcdCert != null || global.etcdKey != null) {
      throw new UserError("etcd TLS (--etcd-cacert/--etcd-cert/--etcd-key) is not supported by this calyxctl yet");
    }
    List<URI> uris = new ArrayList<>();
    for (String e : global.endpoints()) {
      try {
        URI uri = new URI(e);
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null || uri.getPort() < 1) {
          throw new UsageError("--etcd-endpoints: \"" + e + "\" is not an http(s)://HOST:PORT URL");
        }
        uris.add(uri);
      } catch (URISyntaxException ex) {
        throw new UsageError("--etcd-endpoints: \"" + e + "\" is not an http(s)://HOST:PORT URL");
      }
    }
    if (uris.isEmpty()) {
      throw new UsageError("--etcd-endpoints is empty");
    }
    return EtcdDatastore.connect(uris);
  }

  static Deadline deadline() {
    return Deadline.in(CALL_TIMEOUT, Clock.systemUTC());
  }
}
