package io.calyx.cli;

import io.calyx.core.Deadline;
import io.calyx.core.store.Datastore;
import io.calyx.datastore.etcd.EtcdDatastore;
import io.calyx.datastore.etcd.EtcdTls;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Opens the datastore a command works on, from the global options. */
final class Etcd {
  /** Every datastore call of a command gets this long; an unreachable etcd fails well within 20 s. */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(8);

  private Etcd() {}

  static Datastore open(GlobalOptions global) {
    Optional<EtcdTls> tls = tls(global);
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
    return EtcdDatastore.connect(uris, tls);
  }

  /** The three TLS files, all or none (CONTRACT.md: {@code [--etcd-cacert F --etcd-cert F --etcd-key F]}). */
  private static Optional<EtcdTls> tls(GlobalOptions global) {
    int given = (global.etcdCaCert != null ? 1 : 0) + (global.etcdCert != null ? 1 : 0) + (global.etcdKey != null ? 1 : 0);
    if (given == 0) {
      return Optional.empty();
    }
    if (given != 3) {
      throw new UsageError("--etcd-cacert, --etcd-cert and --etcd-key go together");
    }
    return Optional.of(new EtcdTls(Path.of(global.etcdCaCert), Path.of(global.etcdCert), Path.of(global.etcdKey)));
  }

  static Deadline deadline() {
    return Deadline.in(CALL_TIMEOUT, Clock.systemUTC());
  }
}
