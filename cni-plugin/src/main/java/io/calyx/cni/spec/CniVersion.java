package io.calyx.cni.spec;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The CNI spec versions calyx speaks. Internally calyx works on the newest result model; a version only
 * decides how results are read ({@code prevResult}) and printed.
 */
public enum CniVersion {
  V0_1_0("0.1.0"),
  V0_2_0("0.2.0"),
  V0_3_0("0.3.0"),
  V0_3_1("0.3.1"),
  V0_4_0("0.4.0"),
  V1_0_0("1.0.0"),
  V1_1_0("1.1.0");

  /** A config without {@code cniVersion} is treated as 0.2.0 (CONTRACT.md); its results have the same shape as 0.1.0. */
  public static final CniVersion DEFAULT = V0_2_0;

  public static final CniVersion LATEST = V1_1_0;

  private final String text;

  CniVersion(String text) {
    this.text = text;
  }

  public static Optional<CniVersion> parse(String text) {
    return Arrays.stream(values()).filter(v -> v.text.equals(text)).findFirst();
  }

  /** All supported versions as the spec strings, oldest first (the VERSION answer). */
  public static List<String> supported() {
    return Arrays.stream(values()).map(CniVersion::text).toList();
  }

  public String text() {
    return text;
  }

  /** 0.1.0 and 0.2.0 results are {@code ip4}/{@code ip6}/{@code dns} objects. */
  public boolean hasLegacyResult() {
    return compareTo(V0_3_0) < 0;
  }

  /** 0.3.x and 0.4.0 results carry {@code ips[].version}; 1.0.0 dropped it. */
  public boolean hasIpVersionField() {
    return compareTo(V0_3_0) >= 0 && compareTo(V1_0_0) < 0;
  }

  /** CHECK exists from 0.4.0 on. */
  public boolean supportsCheck() {
    return compareTo(V0_4_0) >= 0;
  }

  /** STATUS and GC, and the extra route and interface fields, exist from 1.1.0 on. */
  public boolean isAtLeast(CniVersion other) {
    return compareTo(other) >= 0;
  }

  @Override
  public String toString() {
    return text;
  }
}
