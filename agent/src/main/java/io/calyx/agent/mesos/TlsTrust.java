package io.calyx.agent.mesos;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** The TLS contexts the Mesos agent client verifies an https agent with. */
final class TlsTrust {
  private TlsTrust() {}

  /**
   * A context that trusts exactly the certificates of a PEM bundle (one or more {@code BEGIN CERTIFICATE}
   * blocks). The host name is still checked against the server certificate.
   *
   * @throws IOException naming the file, when it cannot be read or holds no certificate
   */
  static SSLContext trusting(Path caFile) throws IOException {
    byte[] pem;
    try {
      pem = Files.readAllBytes(caFile);
    } catch (IOException e) {
      throw new IOException("cannot read the Mesos CA file " + caFile + ": " + Failures.describeIo(e), e);
    }
    Collection<? extends Certificate> certificates;
    try {
      certificates = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
    } catch (CertificateException e) {
      throw new IOException("the Mesos CA file " + caFile + " is not a PEM certificate bundle: " + Failures.oneLine(e.getMessage()), e);
    }
    if (certificates.isEmpty()) {
      throw new IOException("the Mesos CA file " + caFile + " holds no certificate");
    }
    try {
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        trusted.setCertificateEntry("mesos-ca-" + i++, certificate);
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot build a trust store from the Mesos CA file " + caFile + ": " + Failures.oneLine(e.getMessage()), e);
    }
  }

  /**
   * A context that accepts any server certificate for any host name. An {@link X509ExtendedTrustManager}
   * does its own host name check (JSSE only adds one around plain {@code X509TrustManager}s), so accepting
   * here skips both the chain and the host name, without the JVM-wide switch the HTTP client has for that.
   */
  static SSLContext trustingAnyone() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new AcceptAll()}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no TLS context", e);
    }
  }

  private static final class AcceptAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
