package io.calyx.core;

import java.nio.charset.StandardCharsets;

/**
 * A network interface name ({@code CNI_IFNAME}): what the kernel accepts and the CNI spec requires, i.e.
 * 1 to 15 bytes, not {@code .} or {@code ..}, and no {@code /}, {@code :}, whitespace or control character.
 */
public record InterfaceName(String value) {
  /** IFNAMSIZ is 16 including the terminating NUL. */
  public static final int MAX_BYTES = 15;

  public InterfaceName {
    String field = "CNI_IFNAME";
    if (value == null || value.isEmpty()) {
      throw new InvalidValueException(field, "must not be empty");
    }
    if (value.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw new InvalidValueException(field, InvalidValueException.quote(value) + " is longer than " + MAX_BYTES + " bytes");
    }
    if (value.equals(".") || value.equals("..")) {
      throw new InvalidValueException(field, "must not be '.' or '..'");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '/' || c == ':' || Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new InvalidValueException(
            field, InvalidValueException.quote(value) + " must not contain '/', ':', whitespace or control characters");
      }
    }
  }

  public static InterfaceName of(String value) {
    return new InterfaceName(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
