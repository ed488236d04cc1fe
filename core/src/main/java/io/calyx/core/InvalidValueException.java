package io.calyx.core;

/**
 * A value from outside (an environment variable, a config key, a Mesos label, a flag) that calyx refuses.
 * It names the field and quotes the offending value, escaped and shortened, so the message is safe to log
 * and to print in a CNI error.
 */
public final class InvalidValueException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final String field;

  public InvalidValueException(String field, String problem) {
    super(field + ": " + problem);
    this.field = field;
  }

  /** The name of the field (e.g. {@code CNI_IFNAME}, {@code ipam.pools[0]}) that holds the bad value. */
  public String field() {
    return field;
  }

  /**
   * Quotes an untrusted value for a message: control and non-ASCII characters are escaped and long
   * values are cut, so that nothing a task put into a label can forge log lines or flood an error.
   */
  public static String quote(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder("\"");
    int limit = 64;
    for (int i = 0; i < value.length(); i++) {
      if (i == limit) {
        sb.append("\"...(").append(value.length()).append(" chars)");
        return sb.toString();
      }
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c >= 0x7f) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }
}
