package io.calyx.core.mesos;

import io.calyx.core.InvalidValueException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A transport protocol of a port mapping. */
public enum Protocol {
  TCP,
  UDP,
  SCTP;

  /**
   * Parses Mesos' {@code port_mappings[].protocol}: absent means tcp (as Mesos' own port mapper reads it),
   * case is ignored, and Marathon's comma form ({@code "udp,tcp"}) is split into its protocols.
   */
  public static List<Protocol> parseList(String field, String text) {
    if (text == null || text.isBlank()) {
      return List.of(TCP);
    }
    List<Protocol> out = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String p = part.strip().toLowerCase(Locale.ROOT);
      Protocol protocol =
          switch (p) {
            case "tcp" -> TCP;
            case "udp" -> UDP;
            case "sctp" -> SCTP;
            default ->
                throw new InvalidValueException(
                    field, "unknown protocol " + InvalidValueException.quote(part) + " (tcp, udp, sctp or a comma list of them)");
          };
      if (!out.contains(protocol)) {
        out.add(protocol);
      }
    }
    return List.copyOf(out);
  }

  public String lowerName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
