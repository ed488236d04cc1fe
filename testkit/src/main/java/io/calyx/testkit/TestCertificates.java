package io.calyx.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A throw-away PKI for TLS tests, made with the {@code openssl} CLI: one CA, a server certificate for
 * {@code 127.0.0.1}/{@code localhost}, a client certificate signed by the CA, and a second client
 * certificate from an unrelated CA (which a server checking client certificates must refuse).
 *
 * @param dir where the files are
 * @param caCert the CA certificate (PEM)
 * @param serverCert the server certificate
 * @param serverKey its key
 * @param clientCert a client certificate the CA signed
 * @param clientKey its key (PKCS#8)
 * @param clientKeyPkcs1 the same key in PKCS#1 ({@code BEGIN RSA PRIVATE KEY})
 * @param clientEcCert a client certificate the CA signed for an EC (P-256) key
 * @param clientEcKeySec1 that key in SEC1 form ({@code BEGIN EC PRIVATE KEY}, what {@code openssl ecparam
 *     -genkey} and cfssl's ECDSA keys look like)
 * @param strangerCert a client certificate from another CA
 * @param strangerKey its key
 */
public record TestCertificates(
    Path dir, Path caCert, Path serverCert, Path serverKey, Path clientCert, Path clientKey, Path clientKeyPkcs1,
    Path clientEcCert, Path clientEcKeySec1, Path strangerCert, Path strangerKey) {

  /** Generates everything in {@code dir}; skips the test when {@code openssl} is not installed. */
  public static TestCertificates generate(Path dir) {
    String openssl = Host.which("openssl").map(Path::toString).orElse(null);
    Assumptions.assumeTrue(openssl != null, "needs the openssl CLI (apt-get install openssl)");
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    TestCertificates c = new TestCertificates(dir, dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server-key.pem"),
        dir.resolve("client.pem"), dir.resolve("client-key.pem"), dir.resolve("client-key-rsa.pem"),
        dir.resolve("client-ec.pem"), dir.resolve("client-ec-key.pem"), dir.resolve("stranger.pem"), dir.resolve("stranger-key.pem"));
    Path caKey = dir.resolve("ca-key.pem");
    selfSigned(openssl, caKey, c.caCert(), "/CN=calyx-test-ca");
    signed(openssl, c.serverKey(), c.serverCert(), "/CN=127.0.0.1", caKey, c.caCert(),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    signed(openssl, c.clientKey(), c.clientCert(), "/CN=calyx-test-client", caKey, c.caCert(), "extendedKeyUsage=clientAuth\n");
    Commands.check(List.of(openssl, "rsa", "-in", c.clientKey().toString(), "-traditional", "-out", c.clientKeyPkcs1().toString()));
    Commands.check(List.of(openssl, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", c.clientEcKeySec1().toString()));
    sign(openssl, List.of("-key", c.clientEcKeySec1().toString()), c.clientEcCert(), "/CN=calyx-test-client-ec", caKey, c.caCert(),
        "extendedKeyUsage=clientAuth\n");
    Path strangerCaKey = dir.resolve("stranger-ca-key.pem");
    Path strangerCa = dir.resolve("stranger-ca.pem");
    selfSigned(openssl, strangerCaKey, strangerCa, "/CN=someone-else-ca");
    signed(openssl, c.strangerKey(), c.strangerCert(), "/CN=stranger", strangerCaKey, strangerCa, "extendedKeyUsage=clientAuth\n");
    return c;
  }

  private static void selfSigned(String openssl, Path key, Path cert, String subject) {
    Commands.check(List.of(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", subject,
        "-keyout", key.toString(), "-out", cert.toString()));
  }

  private static void signed(String openssl, Path key, Path cert, String subject, Path caKey, Path caCert, String extensions) {
    sign(openssl, List.of("-newkey", "rsa:2048", "-nodes", "-keyout", key.toString()), cert, subject, caKey, caCert, extensions);
  }

  /** A certificate signed by the CA for the key {@code keyArgs} names or creates. */
  private static void sign(String openssl, List<String> keyArgs, Path cert, String subject, Path caKey, Path caCert, String extensions) {
    Path csr = Path.of(cert + ".csr");
    Path ext = Path.of(cert + ".ext");
    try {
      Files.writeString(ext, extensions);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    List<String> request = new ArrayList<>(List.of(openssl, "req", "-new", "-subj", subject));
    request.addAll(keyArgs);
    request.addAll(List.of("-out", csr.toString()));
    Commands.check(request);
    List<String> sign = new ArrayList<>(List.of(openssl, "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(),
        "-CAkey", caKey.toString(), "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", cert.toString()));
    Commands.check(sign);
  }
}
