package io.calyx.core;

import java.util.regex.Pattern;

/**
 * A runtime's container id ({@code CNI_CONTAINERID}). The CNI spec allows an alphanumeric first character
 * followed by alphanumerics, {@code _}, {@code .} and {@code -}. Mesos uses a UUID, or
 * {@code <parent>.<child>} for a nested container with its own network namespace (Mesos 1.6+).
 */
public record ContainerId(String value) {
  /** Longer ids than this are refused: a Mesos nested id is 73 characters. */
  public static final int MAX_LENGTH = 255;

  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");

  public ContainerId {
    if (value == null || value.isEmpty()) {
      throw new InvalidValueException("CNI_CONTAINERID", "must not be empty");
    }
    if (value.length() > MAX_LENGTH) {
      throw new InvalidValueException("CNI_CONTAINERID", "longer than " + MAX_LENGTH + " characters");
    }
    if (!VALID.matcher(value).matches()) {
      throw new InvalidValueException(
          "CNI_CONTAINERID",
          InvalidValueException.quote(value)
              + " must start with a letter or digit and contain only letters, digits, '_', '.' and '-'");
    }
  }

  public static ContainerId of(String value) {
    return new ContainerId(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
