package io.calyx.cni.request;

/** Which executable the runtime ran: the calyx plugin or the calyx-ipam IPAM plugin. */
public enum Role {
  /** {@code bin/calyx}: sets up the container's interface, address, routes and policy. */
  PLUGIN("calyx", 0),
  /** {@code bin/calyx-ipam}: only hands out (and takes back) addresses, for another plugin to configure. */
  IPAM("calyx-ipam", 1);

  private final String executable;
  private final int wireCode;

  Role(String executable, int wireCode) {
    this.executable = executable;
    this.wireCode = wireCode;
  }

  public String executable() {
    return executable;
  }

  /** The role byte of the forwarder frame. */
  public int wireCode() {
    return wireCode;
  }

  public static Role fromWire(int code) {
    for (Role r : values()) {
      if (r.wireCode == code) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown role " + code);
  }
}
