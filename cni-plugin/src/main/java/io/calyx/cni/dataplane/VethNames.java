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
 * "first 11 characters of the container id".
 */
public final class VethNames {
  public static final String PREFIX = "cali";

  private VethNames() {}

  public static String hostSide(HandleId handle) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(handle.toString().getBytes(StandardCharsets.UTF_8));
      return PREFIX + HexFormat.of().formatHex(d).substring(0, 11);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
