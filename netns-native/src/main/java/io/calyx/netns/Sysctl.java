package io.calyx.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Network sysctls of a namespace. {@code /proc/sys/net} shows the namespace of the thread that opens it, so
 * a container's sysctls are written on the namespace switcher thread while it is inside that namespace.
 */
public final class Sysctl {
  private Sysctl() {}

  /** Writes {@code net.ipv4.conf.eth0.proxy_arp}-style keys ({@code /proc/sys/} + dots as slashes) in the agent's namespace. */
  public static void write(String key, String value) {
    Path path = Path.of("/proc/sys", key.replace('.', '/'));
    try {
      Files.writeString(path, value, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new NativeException("sysctl " + key + "=" + value + ": " + e.getMessage());
    }
  }

  /** Reads a sysctl in the agent's namespace. */
  public static String read(String key) {
    try {
      return Files.readString(Path.of("/proc/sys", key.replace('.', '/'))).strip();
    } catch (IOException e) {
      throw new NativeException("sysctl " + key + ": " + e.getMessage());
    }
  }

  /** Writes a sysctl inside the namespace of {@code nsFd}. */
  public static void write(int nsFd, String what, String key, String value) {
    Namespaces.inNamespace(nsFd, what, () -> {
      write(key, value);
      return 0;
    });
  }
}
