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

  /** Read-only commands against the datastore, when the training has one. */
  static final List<List<String>> DATASTORE_LINES = List.of(
      List.of("pool", "list"),
      List.of("pool", "list", "-o", "json"),
      List.of("ipam", "show", "--show-blocks"),
      List.of("ipam", "show", "-o", "json"),
      List.of("ipam", "show", "--ip", "10.99.0.2"));

  @picocli.CommandLine.Option(names = "--with-datastore")
  boolean withDatastore;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    for (List<String> args : COMMAND_LINES) {
      CalyxCtl.run(args.toArray(String[]::new), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    }
    if (withDatastore) {
      String endpoints = CalyxCtl.global(spec).etcdEndpoints;
      for (List<String> args : DATASTORE_LINES) {
        List<String> all = new java.util.ArrayList<>(List.of("--etcd-endpoints", endpoints));
        all.addAll(args);
        CalyxCtl.run(all.toArray(String[]::new), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
      }
    }
    return 0;
  }
}
