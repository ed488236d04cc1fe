package io.calyx.agent.mesos;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Turns the exceptions of the HTTP client, TLS and the file system into the short causes the reclaimer's
 * messages end with ("connection refused", "certificate not trusted (PKIX path building failed)"), so that
 * an operator reads one line instead of a chain of wrapped exceptions.
 */
final class Failures {
  private Failures() {}

  /** Whether a failure of an HTTP exchange was a timeout (of the connection or of the answer). */
  static boolean isTimeout(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof HttpTimeoutException || t instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** The cause of a failed HTTP exchange, for "... is not reachable: <cause>". */
  static String describeHttp(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SSLException ssl) {
        return describeTls(ssl);
      }
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      // The JDK wraps an unknown host in a ConnectException without a message: look for it first.
      if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
        return "the host name cannot be resolved";
      }
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        String message = t.getMessage();
        return message == null || message.toLowerCase(Locale.ROOT).contains("refused")
            ? "connection refused"
            : oneLine(message);
      }
      if (String.valueOf(t.getMessage()).contains("parsing HTTP/1.1 status line")) {
        return "the answer is not HTTP (an https agent asked with http://?)";
      }
    }
    String message = failure.getMessage();
    return message == null || message.isBlank() ? failure.getClass().getSimpleName() : oneLine(message);
  }

  private static String describeTls(SSLException ssl) {
    String hostMismatch = null;
    for (Throwable t = ssl; t != null; t = t.getCause()) {
      if (t instanceof CertificateExpiredException) {
        return "certificate expired (" + oneLine(t.getMessage()) + ")";
      }
      if (t instanceof CertificateNotYetValidException) {
        return "certificate not yet valid (" + oneLine(t.getMessage()) + ")";
      }
      if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException
          || String.valueOf(t.getMessage()).contains("PKIX path")) {
        return "certificate not trusted (PKIX path building failed)";
      }
      // sun.security.util.HostnameChecker: "No subject alternative names matching IP address 1.2.3.4 found",
      // "No subject alternative DNS name matching host found.", "No name matching host found". The
      // innermost exception says it without the TLS alert the outer ones prefix.
      if (t instanceof CertificateException && isHostMismatch(t.getMessage())) {
        hostMismatch = t.getMessage();
      } else if (hostMismatch == null && isHostMismatch(t.getMessage())) {
        hostMismatch = t.getMessage();
      }
    }
    if (hostMismatch != null) {
      return "certificate does not match the host (" + oneLine(hostMismatch) + ")";
    }
    return "TLS handshake failed (" + oneLine(String.valueOf(ssl.getMessage())) + ")";
  }

  private static boolean isHostMismatch(String message) {
    return message != null && (message.contains("No subject alternative") || message.contains("No name matching"));
  }

  /** The cause of a failed file system call, without the path (the caller's message names it). */
  static String describeIo(IOException e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (e instanceof FileSystemException fs && fs.getReason() != null) {
      return oneLine(fs.getReason());
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : oneLine(e.getMessage());
  }

  /** A timeout as people write it: {@code 5 s}, {@code 1.5 s}, {@code 250 ms}. */
  static String duration(Duration d) {
    long millis = d.toMillis();
    if (millis < 1000) {
      return millis + " ms";
    }
    if (millis % 1000 == 0) {
      return millis / 1000 + " s";
    }
    return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
  }

  /** Text from outside on one line, control characters replaced and cut at 200 characters. */
  static String oneLine(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < text.length() && sb.length() < 200; i++) {
      char c = text.charAt(i);
      sb.append(Character.isISOControl(c) ? ' ' : c);
    }
    String out = sb.toString().strip().replaceAll(" {2,}", " ");
    return text.length() > 200 ? out + "..." : out;
  }
}
