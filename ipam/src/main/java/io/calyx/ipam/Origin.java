package io.calyx.ipam;

/** Which executable asked for an allocation: it decides what the address is used as. */
public enum Origin {
  /** The calyx plugin: a /32 (/128) behind the link-local gateway. */
  CALYX("calyx"),
  /** calyx-ipam under another plugin (bridge, ptp, ...): an address in the block's subnet with the block's gateway. */
  CALYX_IPAM("calyx-ipam");

  private final String text;

  Origin(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  public static Origin parse(String text) {
    for (Origin o : values()) {
      if (o.text.equals(text)) {
        return o;
      }
    }
    throw new IllegalArgumentException("unknown origin " + text);
  }
}
