package io.calyx.cli;

/** {@code -o table} (aligned columns, the default) or {@code -o json} (one document, stable field names). */
public enum OutputFormat {
  table,
  json
}
