package io.calyx.cni.dataplane;

import io.calyx.core.HandleId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Host-side veth names: {@code cali} and 11 hex digits of the SHA-256 of network, container id and
 * interface. 15 characters (IFNAMSIZ), deterministic (a retried ADD and a DEL without netns find the same
 * link), and different for a nested container {@code parent.child} and its parent, unlike Calico's
 * "first 11 characters of the container id". The container side's MAC follows from the same digest.
 */
public final class VethNames {
  public static final String PREFIX = "cali";

  private VethNames() {}

  public static String hostSide(HandleId handle) {
    return PREFIX + HexFormat.of().formatHex(digest(handle)).substring(0, 11);
  }

  /**
   * The container side's MAC: {@code 0a} and five bytes of the same digest (locally administered, unicast).
   * Known before the link exists, so the endpoint record can be written while the veth is created; each veth
   * is its own point-to-point segment, so two containers sharing one would not even matter.
   */
  public static String containerMac(HandleId handle) {
    byte[] d = digest(handle);
    StringBuilder mac = new StringBuilder("0a");
    for (int i = 0; i < 5; i++) {
      mac.append(':').append(HexFormat.of().toHexDigits(d[i]));
    }
    return mac.toString();
  }

  private static byte[] digest(HandleId handle) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(handle.toString().getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
