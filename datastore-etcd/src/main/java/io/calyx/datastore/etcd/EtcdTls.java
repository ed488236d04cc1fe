package io.calyx.datastore.etcd;

import io.calyx.core.InvalidValueException;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client TLS towards etcd: the CA that signed etcd's server certificate and this client's certificate and
 * key (etcd's {@code --client-cert-auth}). The flags {@code --etcd-cacert}, {@code --etcd-cert} and
 * {@code --etcd-key} of the agent and of calyxctl (CONTRACT.md) map to the three paths.
 *
 * @param caCert PEM certificate(s) to verify etcd's server certificate with
 * @param cert PEM client certificate (chain)
 * @param key PEM private key of {@code cert}: PKCS#8 ({@code BEGIN PRIVATE KEY}, RSA or EC) or PKCS#1
 *     ({@code BEGIN RSA PRIVATE KEY}, what cfssl and {@code openssl genrsa} write)
 */
public record EtcdTls(Path caCert, Path cert, Path key) {
  private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

  /**
   * Checks that the endpoints fit this setting: with TLS every endpoint must be {@code https://} (an
   * operator who gave certificates expects an encrypted, authenticated connection, and a plain one would
   * only fail later with an obscure frame error); one channel cannot mix schemes either.
   *
   * @throws InvalidValueException naming {@code --etcd-endpoints}
   */
  public static void checkSchemes(List<URI> endpoints, boolean tls) {
    for (URI e : endpoints) {
      if (tls && !"https".equals(e.getScheme())) {
        throw new InvalidValueException("--etcd-endpoints", InvalidValueException.quote(e.toString())
            + " is plain http but --etcd-cacert/--etcd-cert/--etcd-key are given: use https:// endpoints with TLS");
      }
    }
    boolean anyHttps = endpoints.stream().anyMatch(e -> "https".equals(e.getScheme()));
    boolean anyHttp = endpoints.stream().anyMatch(e -> "http".equals(e.getScheme()));
    if (anyHttps && anyHttp) {
      throw new InvalidValueException("--etcd-endpoints", "mixes http:// and https:// endpoints; use one scheme");
    }
  }

  /**
   * The gRPC client context: trusts only {@link #caCert} and presents {@link #cert}. The files are read
   * here, so a missing or malformed file is an {@link InvalidValueException} naming its flag, at start-up.
   */
  public SslContext sslContext() {
    List<X509Certificate> cas = certificates("--etcd-cacert", caCert);
    List<X509Certificate> chain = certificates("--etcd-cert", cert);
    PrivateKey privateKey = privateKey(key);
    try {
      return GrpcSslContexts.forClient()
          .trustManager(cas.toArray(X509Certificate[]::new))
          .keyManager(privateKey, chain.toArray(X509Certificate[]::new))
          .build();
    } catch (IOException | IllegalArgumentException e) {
      throw new InvalidValueException("--etcd-cert", "cannot use the client certificate and key: " + e.getMessage());
    }
  }

  /** TLS for {@code https://} endpoints without client certificate: the JDK's trusted CAs verify etcd. */
  static SslContext defaultTrust() {
    try {
      return GrpcSslContexts.forClient().build();
    } catch (IOException e) {
      throw new IllegalStateException("cannot set up TLS with the JDK's trusted CAs", e);
    }
  }

  private static List<X509Certificate> certificates(String flag, Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> out = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new InvalidValueException(flag, InvalidValueException.quote(file.toString()) + " holds no PEM certificate");
      }
      return out;
    } catch (IOException e) {
      throw new InvalidValueException(flag, InvalidValueException.quote(file.toString()) + " is not readable: " + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new InvalidValueException(flag, InvalidValueException.quote(file.toString()) + " is not a PEM certificate: " + e.getMessage());
    }
  }

  /**
   * Reads a PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM key, the forms cfssl and openssl write; anything else
   * (an encrypted key) is refused with the command that converts it.
   */
  static PrivateKey privateKey(Path file) {
    String flag = "--etcd-key";
    String pem;
    try {
      pem = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new InvalidValueException(flag, InvalidValueException.quote(file.toString()) + " is not readable: " + e.getMessage());
    }
    Matcher m = PEM.matcher(pem);
    if (!m.find()) {
      throw new InvalidValueException(flag, InvalidValueException.quote(file.toString()) + " holds no PEM private key");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(2));
    byte[] pkcs8 = switch (m.group(1)) {
      case "PRIVATE KEY" -> der;
      case "RSA PRIVATE KEY" -> Der.rsaPkcs1ToPkcs8(der);
      case "EC PRIVATE KEY" -> Der.ecSec1ToPkcs8(der).orElseThrow(() -> new InvalidValueException(flag,
          InvalidValueException.quote(file.toString()) + " is not a readable EC private key (SEC1 with its named curve)"));
      default -> throw new InvalidValueException(flag, InvalidValueException.quote(file.toString()) + " is a " + m.group(1)
          + "; convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
    };
    for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      } catch (GeneralSecurityException e) {
        // try the next algorithm: PKCS#8 names it inside, but KeyFactory wants it up front
      }
    }
    throw new InvalidValueException(flag, InvalidValueException.quote(file.toString()) + " is not an RSA, EC or Ed25519 private key");
  }

  /**
   * The little DER it takes to wrap a PKCS#1 RSA or a SEC1 EC key into PKCS#8 (no ASN.1 library for a few
   * dozen bytes).
   */
  static final class Der {
    private static final byte[] RSA_ALGORITHM = {
      0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    /** OID 1.2.840.10045.2.1, id-ecPublicKey. */
    private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

    private Der() {}

    static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
      return tlv(0x30, concat(VERSION_0, RSA_ALGORITHM, tlv(0x04, pkcs1)));
    }

    /**
     * SEC1 {@code ECPrivateKey ::= SEQUENCE { version, privateKey OCTET STRING, [0] namedCurve OID, [1]
     * publicKey }} into PKCS#8, whose algorithm identifier needs the curve; empty when {@code sec1} is not
     * such a sequence or names no curve.
     */
    static java.util.Optional<byte[]> ecSec1ToPkcs8(byte[] sec1) {
      try {
        int[] seq = header(sec1, 0);
        if (sec1[0] != 0x30 || seq[0] + seq[1] != sec1.length) {
          return java.util.Optional.empty();
        }
        for (int at = seq[0]; at < sec1.length; ) {
          int[] child = header(sec1, at);
          if ((sec1[at] & 0xff) == 0xa0) {
            byte[] curve = java.util.Arrays.copyOfRange(sec1, child[0], child[0] + child[1]);
            if (curve.length == 0 || curve[0] != 0x06) {
              return java.util.Optional.empty();
            }
            return java.util.Optional.of(tlv(0x30, concat(VERSION_0, tlv(0x30, concat(EC_PUBLIC_KEY, curve)), tlv(0x04, sec1))));
          }
          at = child[0] + child[1];
        }
        return java.util.Optional.empty();
      } catch (ArrayIndexOutOfBoundsException e) {
        return java.util.Optional.empty();
      }
    }

    /** The offset of the value of the TLV at {@code at} and its length. */
    private static int[] header(byte[] der, int at) {
      int first = der[at + 1] & 0xff;
      if (first < 0x80) {
        if (at + 2 + first > der.length) {
          throw new ArrayIndexOutOfBoundsException("DER value past the end");
        }
        return new int[] {at + 2, first};
      }
      int n = first & 0x7f;
      if (n == 0 || n > 3) {
        throw new ArrayIndexOutOfBoundsException("unsupported DER length");
      }
      int length = 0;
      for (int i = 0; i < n; i++) {
        length = (length << 8) | (der[at + 2 + i] & 0xff);
      }
      if (at + 2 + n + length > der.length) {
        throw new ArrayIndexOutOfBoundsException("DER value past the end");
      }
      return new int[] {at + 2 + n, length};
    }

    private static byte[] concat(byte[]... parts) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      for (byte[] p : parts) {
        out.writeBytes(p);
      }
      return out.toByteArray();
    }

    private static byte[] tlv(int tag, byte[] value) {
      byte[] length;
      if (value.length < 0x80) {
        length = new byte[] {(byte) value.length};
      } else {
        byte[] n = BigInteger.valueOf(value.length).toByteArray();
        int skip = n[0] == 0 ? 1 : 0;
        length = new byte[n.length - skip + 1];
        length[0] = (byte) (0x80 | (n.length - skip));
        System.arraycopy(n, skip, length, 1, n.length - skip);
      }
      byte[] out = new byte[1 + length.length + value.length];
      out[0] = (byte) tag;
      System.arraycopy(length, 0, out, 1, length.length);
      System.arraycopy(value, 0, out, 1 + length.length, value.length);
      return out;
    }
  }
}
