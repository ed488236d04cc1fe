package io.calyx.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Aligned columns for {@code -o table}: a header row in capitals, two spaces between columns. */
final class Table {
  private final List<String[]> rows = new ArrayList<>();

  Table(String... header) {
    rows.add(header);
  }

  Table row(Object... cells) {
    String[] r = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      r[i] = String.valueOf(cells[i]);
    }
    rows.add(r);
    return this;
  }

  void print(PrintWriter out) {
    int cols = rows.getFirst().length;
    int[] width = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        sb.append(r[i]);
        if (i < cols - 1) {
          sb.append(" ".repeat(width[i] - r[i].length() + 2));
        }
      }
      out.println(sb.toString().stripTrailing());
    }
  }

  /** {@code 12.5%} of a part in a (possibly huge, IPv6) whole. */
  static String percent(long part, java.math.BigInteger whole) {
    if (whole.signum() == 0) {
      return "0%";
    }
    double p = new java.math.BigDecimal(part).multiply(java.math.BigDecimal.valueOf(100))
        .divide(new java.math.BigDecimal(whole), 6, java.math.RoundingMode.HALF_UP).doubleValue();
    return String.format("%.1f%%", p).replace(".0%", "%");
  }

  /** {@code 12.5%} of a part in a whole (0% for an empty whole). */
  static String percent(long part, long whole) {
    return whole == 0 ? "0%" : String.format("%.1f%%", 100.0 * part / whole).replace(".0%", "%");
  }

  private static final String[] SI = {"k", "M", "G", "T", "P", "E", "Z", "Y"};

  /**
   * An address count as people read it: exact below a million, then {@code 16.8M}, {@code 18.4E} (an IPv6
   * /64), and beyond the SI prefixes {@code 1.2e+30}. JSON always carries the exact number.
   */
  static String count(java.math.BigInteger n) {
    if (n.compareTo(java.math.BigInteger.valueOf(1_000_000)) < 0) {
      return n.toString();
    }
    java.math.BigDecimal v = new java.math.BigDecimal(n);
    for (String unit : SI) {
      v = v.divide(java.math.BigDecimal.valueOf(1000));
      if (v.compareTo(java.math.BigDecimal.valueOf(1000)) < 0) {
        return String.format(java.util.Locale.ROOT, "%.1f%s", v.doubleValue(), unit);
      }
    }
    return String.format(java.util.Locale.ROOT, "%.1e", n.doubleValue());
  }
}
