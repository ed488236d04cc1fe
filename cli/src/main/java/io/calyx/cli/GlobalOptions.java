package io.calyx.cli;

import java.util.List;
import picocli.CommandLine.Option;

/** Options every command shares; they come before the command name. */
public final class GlobalOptions {
  static final String DEFAULT_ENDPOINTS = "http://127.0.0.1:2379";

  @Option(
      names = "--etcd-endpoints",
      paramLabel = "URL[,URL...]",
      defaultValue = "${env:CALYX_ETCD_ENDPOINTS:-" + DEFAULT_ENDPOINTS + "}",
      description = "etcd client URLs (default: $CALYX_ETCD_ENDPOINTS, else " + DEFAULT_ENDPOINTS + ")")
  String etcdEndpoints;

  @Option(names = "--etcd-cacert", paramLabel = "FILE", description = "CA certificate of etcd (TLS)")
  String etcdCaCert;

  @Option(names = "--etcd-cert", paramLabel = "FILE", description = "client certificate for etcd (TLS)")
  String etcdCert;

  @Option(names = "--etcd-key", paramLabel = "FILE", description = "client key for etcd (TLS)")
  String etcdKey;

  /** The endpoints as a list. */
  public List<String> endpoints() {
    return List.of(etcdEndpoints.split(",")).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }
}
