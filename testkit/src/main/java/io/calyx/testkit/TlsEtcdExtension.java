package io.calyx.testkit;

import java.io.IOException;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test class a real etcd that serves clients only over TLS and demands client certificates
 * ({@link EtcdServer#startTls()}), shared by its tests and stopped after the last one. Tests take it as an
 * {@link EtcdServer} parameter and its files from {@link EtcdServer#certificates()}. Skipped without the
 * etcd binary or openssl.
 */
public final class TlsEtcdExtension implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(TlsEtcdExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    etcd(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == EtcdServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    try {
      return etcd(context);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start a TLS etcd", e);
    }
  }

  private static EtcdServer etcd(ExtensionContext context) throws IOException {
    return PerClass.get(context, NS, EtcdServer.class, EtcdServer::startTls);
  }
}
