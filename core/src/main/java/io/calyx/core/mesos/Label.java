package io.calyx.core.mesos;

import java.util.Optional;

/**
 * One Mesos label as the task sent it: a key and an optional value (the protobuf's {@code value} is
 * optional, so {@code {"key":"flag"}} is a label without a value). Raw and untrusted; see
 * {@link LabelSanitizer} before storing or matching it.
 */
public record Label(String key, Optional<String> value) {
  public Label {
    if (key == null) {
      throw new IllegalArgumentException("label key must not be null");
    }
    value = value == null ? Optional.empty() : value;
  }

  public static Label of(String key, String value) {
    return new Label(key, Optional.ofNullable(value));
  }
}
