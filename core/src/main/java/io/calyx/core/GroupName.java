package io.calyx.core;

import java.util.regex.Pattern;

/**
 * A policy group (Mesos {@code NetworkInfo.groups}, or the {@code calyx.groups} label): 1 to 63 characters
 * of {@code [A-Za-z0-9_.-]}. Invalid names are refused, never rewritten: rewriting could merge two
 * groups and so widen who may reach a container.
 */
public record GroupName(String value) {
  public static final int MAX_LENGTH = 63;
  // Declared before PUBLIC: static initialisers run in order and the constructor needs the pattern.
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.\\-]{1," + MAX_LENGTH + "}");

  /** The group that accepts traffic from anywhere. */
  public static final GroupName PUBLIC = new GroupName("public");

  public GroupName {
    if (value == null || !VALID.matcher(value).matches()) {
      throw new InvalidValueException(
          "groups",
          "invalid group name " + InvalidValueException.quote(value)
              + ": a group name is 1-" + MAX_LENGTH + " characters of A-Z a-z 0-9 _ . -");
    }
  }

  public static GroupName of(String value) {
    return new GroupName(value);
  }

  public boolean isPublic() {
    return equals(PUBLIC);
  }

  @Override
  public String toString() {
    return value;
  }
}
