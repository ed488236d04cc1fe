package io.calyx.core.mesos;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns raw Mesos labels into the labels calyx stores and matches: keys and values of at most 63 characters
 * of {@code [A-Za-z0-9_.-]}, deterministically (the same input always gives the same output, so ADD and
 * DEL, which get the same stdin, agree).
 *
 * <ul>
 *   <li>{@code /} becomes {@code .} (so {@code team/owner} stays readable as {@code team.owner}); every
 *       other character outside the set, including non-ASCII and control characters, becomes {@code -};
 *   <li>runs of {@code .} and {@code -} that contain a {@code .} collapse to one {@code .}, other runs of
 *       {@code -} to one {@code -}; leading and trailing {@code .}/{@code -} are trimmed (as Calico does);
 *   <li>a result over 63 characters keeps its first 54 characters, then {@code -} and 8 hex digits of the
 *       SHA-256 of the raw text, so two long values that differ only at the end stay distinct;
 *   <li>a key that sanitises to nothing becomes {@code label-} and 8 hex digits of its SHA-256;
 *   <li>a label without a value gets the empty value; for duplicate keys (after sanitising) the last one wins.
 * </ul>
 */
public final class LabelSanitizer {
  public static final int MAX_LENGTH = 63;

  private LabelSanitizer() {}

  /** Sanitises all labels into an insertion-ordered map (first appearance of a key fixes its position). */
  public static Map<String, String> sanitize(List<Label> labels) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Label label : labels) {
      String key = sanitizeKey(label.key());
      out.put(key, sanitizeValue(label.value().orElse("")));
    }
    return out;
  }

  public static String sanitizeKey(String raw) {
    String s = sanitizeValue(raw);
    return s.isEmpty() ? "label-" + shortHash(raw) : s;
  }

  public static String sanitizeValue(String raw) {
    String s = collapse(replace(raw));
    if (s.length() > MAX_LENGTH) {
      s = s.substring(0, MAX_LENGTH - 9) + "-" + shortHash(raw);
    }
    return s;
  }

  private static String replace(String raw) {
    StringBuilder sb = new StringBuilder(raw.length());
    raw.codePoints()
        .forEach(
            cp -> {
              if (cp == '/') {
                sb.append('.');
              } else if (cp < 0x80 && (Character.isLetterOrDigit(cp) || cp == '_' || cp == '.' || cp == '-')) {
                sb.append((char) cp);
              } else {
                sb.append('-');
              }
            });
    return sb.toString();
  }

  private static String collapse(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c != '.' && c != '-') {
        sb.append(c);
        i++;
        continue;
      }
      int j = i;
      boolean dot = false;
      while (j < s.length() && (s.charAt(j) == '.' || s.charAt(j) == '-')) {
        dot |= s.charAt(j) == '.';
        j++;
      }
      boolean edge = i == 0 || j == s.length();
      if (!edge) {
        sb.append(dot ? '.' : '-');
      }
      i = j;
    }
    return sb.toString();
  }

  private static String shortHash(String raw) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("SHA-256 is always available", e);
    }
  }
}
