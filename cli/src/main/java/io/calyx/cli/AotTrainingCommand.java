package io.calyx.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * Hidden: run by the build once, under {@code -XX:AOTCacheOutput}, so the AOT cache holds the classes the
 * usual command lines load (parsing, help, errors, each output format). Prints nothing.
 */
@Command(name = "aot-training", hidden = true)
final class AotTrainingCommand implements Callable<Integer> {
  static final List<List<String>> COMMAND_LINES = List.of(
      List.of("--help"),
      List.of("version"),
      List.of("version", "-o", "json"),
      List.of("version", "--help"),
      List.of("version", "-o", "yaml"),
      List.of("no-such-command"),
      List.of());

  @Override
  public Integer call() {
    for (List<String> args : COMMAND_LINES) {
      CalyxCtl.run(args.toArray(String[]::new), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    }
    return 0;
  }
}
