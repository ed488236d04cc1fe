package io.calyx.core;

import java.util.regex.Pattern;

/**
 * A CNI network name (the config's {@code name}; Mesos' {@code NetworkInfo.name}): an alphanumeric first
 * character, then alphanumerics, {@code _}, {@code .} and {@code -}, as the CNI spec says.
 */
public record NetworkName(String value) {
  public static final int MAX_LENGTH = 253;
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");

  public NetworkName {
    if (value == null || value.isEmpty()) {
      throw new InvalidValueException("name", "must not be empty");
    }
    if (value.length() > MAX_LENGTH || !VALID.matcher(value).matches()) {
      throw new InvalidValueException(
          "name",
          InvalidValueException.quote(value)
              + " must be 1-" + MAX_LENGTH + " characters: a letter or digit, then letters, digits, '_', '.' or '-'");
    }
  }

  public static NetworkName of(String value) {
    return new NetworkName(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
