package io.calyx.core.policy;

import io.calyx.core.InvalidValueException;

/**
 * A destination port or an inclusive port range, 1-65535. Its text form is {@code 80} or {@code 8000-8080},
 * which is also how nftables writes it.
 */
public record PortRange(int first, int last) {
  public PortRange {
    if (first < 1 || last > 65535 || first > last) {
      throw new InvalidValueException("ports", "port range " + first + "-" + last + " is not within 1-65535 with first <= last");
    }
  }

  public static PortRange of(int port) {
    return new PortRange(port, port);
  }

  /**
   * Parses {@code 80} or {@code 8000-8080}.
   *
   * @param field the field the text came from, for the message
   */
  public static PortRange parse(String field, String text) {
    if (text == null || text.isEmpty() || text.length() > 11) {
      throw new InvalidValueException(field, InvalidValueException.quote(text) + " is not a port or port range (80, 8000-8080)");
    }
    int dash = text.indexOf('-');
    String a = dash < 0 ? text : text.substring(0, dash);
    String b = dash < 0 ? text : text.substring(dash + 1);
    int first = number(field, text, a);
    int last = number(field, text, b);
    if (first < 1 || last > 65535 || first > last) {
      throw new InvalidValueException(field, InvalidValueException.quote(text) + " is not within 1-65535 with first <= last");
    }
    return new PortRange(first, last);
  }

  private static int number(String field, String whole, String part) {
    if (part.isEmpty() || part.length() > 5 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new InvalidValueException(field, InvalidValueException.quote(whole) + " is not a port or port range (80, 8000-8080)");
    }
    return Integer.parseInt(part);
  }

  public boolean isSingle() {
    return first == last;
  }

  @Override
  public String toString() {
    return isSingle() ? Integer.toString(first) : first + "-" + last;
  }
}
