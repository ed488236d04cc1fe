package io.calyx.policy.render;

import io.calyx.core.GroupName;
import io.calyx.core.InvalidValueException;
import io.calyx.core.net.IpFamily;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The names of everything calyx puts into nftables. Nothing a user or task wrote is ever spliced into a
 * ruleset: group names become 16 hex digits of their SHA-256 (so a name can neither inject nft syntax nor
 * exceed nft's identifier rules), and host veth names are accepted only in the exact form the dataplane
 * makes ({@code cali} + 11 lower-case hex digits).
 */
public final class Names {
  /** The one table calyx owns; nothing else in it is anyone else's. */
  public static final String TABLE = "inet calyx";
  /** The prefix of every host-side veth calyx creates. */
  public static final String VETH_PREFIX = "cali";
  /** Verdict maps: host veth name to the endpoint's ingress (traffic to it) and egress chain. */
  public static final String MAP_IN = "endpoints_in";
  public static final String MAP_OUT = "endpoints_out";
  /**
   * Base chains. Not "ingress"/"egress": those are nft keywords (netdev hooks), which a newer nft could
   * refuse as chain names.
   */
  public static final String BASE_EGRESS = "from_endpoints";
  public static final String BASE_INGRESS = "to_endpoints";
  public static final String BASE_INPUT = "host_input";
  public static final String ENDPOINT_TO_HOST = "endpoint_to_host";

  private static final Pattern VETH = Pattern.compile(VETH_PREFIX + "[0-9a-f]{11}");

  private Names() {}

  /** 16 hex digits (64 bits) of the SHA-256 of the group name. */
  public static String hash(GroupName group) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(group.value().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** The set of the group's member addresses of one family: {@code g4_<hash>} or {@code g6_<hash>}. */
  public static String memberSet(GroupName group, IpFamily family) {
    return (family == IpFamily.V4 ? "g4_" : "g6_") + hash(group);
  }

  /** The profile's ingress chain, {@code pi_<hash>}. */
  public static String profileIngress(GroupName group) {
    return "pi_" + hash(group);
  }

  /** The profile's egress chain, {@code po_<hash>}. */
  public static String profileEgress(GroupName group) {
    return "po_" + hash(group);
  }

  /** The chain for traffic to the endpoint behind {@code veth}, {@code in_<veth>}. */
  public static String endpointIngress(String veth) {
    return "in_" + requireVeth(veth);
  }

  /** The chain for traffic from the endpoint behind {@code veth}, {@code out_<veth>}. */
  public static String endpointEgress(String veth) {
    return "out_" + requireVeth(veth);
  }

  /**
   * Accepts a host veth name only in the form the dataplane creates.
   *
   * @throws InvalidValueException otherwise
   */
  public static String requireVeth(String veth) {
    if (veth == null || !VETH.matcher(veth).matches()) {
      throw new InvalidValueException("host_veth", InvalidValueException.quote(veth) + " is not a calyx host veth name (cali + 11 hex digits)");
    }
    return veth;
  }
}
