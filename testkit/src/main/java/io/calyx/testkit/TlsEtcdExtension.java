package io.calyx.testkit;

/**
 * Gives a test class a real etcd that serves clients only over TLS and demands client certificates
 * ({@link EtcdServer#startTls()}), shared by its tests and stopped after the last one. Tests take it as an
 * {@link EtcdServer} parameter and its files from {@link EtcdServer#certificates()}. Skipped without the
 * etcd binary or openssl.
 */
public final class TlsEtcdExtension extends PerClass.Extension<EtcdServer> {
  public TlsEtcdExtension() {
    super(EtcdServer.class, EtcdServer::startTls);
  }
}
