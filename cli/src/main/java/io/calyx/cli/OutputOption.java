package io.calyx.cli;

import picocli.CommandLine.Option;

/** {@code -o table|json}, mixed into every command that prints something (it comes after the command). */
final class OutputOption {
  @Option(names = "-o", paramLabel = "FORMAT", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE})")
  OutputFormat format;

  boolean json() {
    return format == OutputFormat.json;
  }
}
