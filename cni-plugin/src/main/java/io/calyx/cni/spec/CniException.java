package io.calyx.cni.spec;

/**
 * A CNI error: the {@code code}, {@code msg} and {@code details} a plugin prints on stdout (as JSON) with a
 * non-zero exit status. Only the dispatcher turns these into output; everything below it throws them.
 */
public final class CniException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Incompatible CNI version. */
  public static final int INCOMPATIBLE_VERSION = 1;
  /** Unsupported field in the network configuration. */
  public static final int UNSUPPORTED_FIELD = 2;
  /** Container unknown or does not exist. */
  public static final int UNKNOWN_CONTAINER = 3;
  /** Invalid or missing environment variables. */
  public static final int INVALID_ENVIRONMENT = 4;
  /** I/O failure, e.g. reading stdin. */
  public static final int IO_FAILURE = 5;
  /** Failed to decode content (the bytes are not JSON). */
  public static final int DECODING_FAILURE = 6;
  /** Invalid network configuration. */
  public static final int INVALID_CONFIG = 7;
  /** Try again later: a transient condition (agent or datastore unreachable, timeout). */
  public static final int TRY_AGAIN_LATER = 11;
  /** STATUS: the plugin cannot serve ADD. */
  public static final int NOT_AVAILABLE = 50;
  /** STATUS: the plugin cannot serve ADD and existing containers may have limited connectivity. */
  public static final int NOT_AVAILABLE_DEGRADED = 51;
  /** calyx-specific: the caller may not use the agent (not root, and not the agent's own user). */
  public static final int PERMISSION_DENIED = 100;
  /** Anything unexpected (a bug, or a failure calyx has no better code for). */
  public static final int INTERNAL = 999;

  private final int code;
  private final String details;

  public CniException(int code, String msg, String details) {
    super(msg);
    this.code = code;
    this.details = details == null ? "" : details;
  }

  public CniException(int code, String msg, String details, Throwable cause) {
    super(msg, cause);
    this.code = code;
    this.details = details == null ? "" : details;
  }

  public static CniException invalidConfig(String msg) {
    return new CniException(INVALID_CONFIG, msg, "");
  }

  public static CniException invalidEnvironment(String msg) {
    return new CniException(INVALID_ENVIRONMENT, msg, "");
  }

  public int code() {
    return code;
  }

  public String msg() {
    return getMessage();
  }

  public String details() {
    return details;
  }
}
