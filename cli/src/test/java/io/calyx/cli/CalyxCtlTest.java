package io.calyx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class CalyxCtlTest {
  /** Runs calyxctl with {@code --etcd-endpoints} of {@code etcd} before {@code args}. */
  static Run against(io.calyx.testkit.Etcd etcd, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--etcd-endpoints";
    all[1] = etcd.endpoint();
    System.arraycopy(args, 0, all, 2, args.length);
    return run(all);
  }

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = CalyxCtl.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void noCommandIsAUsageError() {
    Run r = run();
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines()).containsExactly("calyxctl: no command given; try 'calyxctl --help'");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void unknownCommandAndFlagAreUsageErrors() {
    Run cmd = run("frobnicate");
    assertThat(cmd.code()).isEqualTo(2);
    assertThat(cmd.err()).startsWith("calyxctl: Unmatched argument at index 0: 'frobnicate'");
    Run flag = run("version", "--nope");
    assertThat(flag.code()).isEqualTo(2);
    assertThat(flag.err()).contains("Unknown option: '--nope'").contains("Try 'calyxctl version --help'.");
  }

  @Test
  void unknownOutputFormatIsAUsageError() {
    Run r = run("version", "-o", "yaml");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("yaml");
  }

  @Test
  void versionInTableAndJson() {
    assertThat(run("version").out()).startsWith("calyxctl ");
    Run json = run("version", "-o", "json");
    assertThat(json.code()).isZero();
    assertThat(json.out().strip()).matches("\\{\"version\":\"[^\"]+\"}");
  }

  @Test
  void globalOptionsComeBeforeTheCommand() {
    assertThat(run("--etcd-endpoints", "http://10.0.0.1:2379", "version").code()).isZero();
  }

  @Test
  void helpListsExamples() {
    Run r = run("--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Examples:").contains("--etcd-endpoints");
  }

  @Test
  void completionScriptCoversEveryCommandAndFlag() throws Exception {
    String script = CompletionScript.bash();
    assertThat(script).contains("complete -F _complete_calyxctl");
    for (String word : List.of("pool", "ipam", "check", "release", "endpoint", "profile", "rule", "node", "--etcd-cacert", "--show-blocks",
        "--from-group", "--force")) {
      assertThat(script).as(word).contains(word);
    }
    java.nio.file.Path file = java.nio.file.Files.createTempFile("calyxctl", ".bash");
    try {
      CompletionScript.main(new String[] {file.toString()});
      // bash can parse it (when bash is there: it always is on the machines calyx targets)
      io.calyx.testkit.Commands.Output syntax = io.calyx.testkit.Commands.run(List.of("bash", "-n", file.toString()), 10);
      assertThat(syntax.exitCode()).as(syntax.stderr()).isZero();
    } finally {
      java.nio.file.Files.delete(file);
    }
  }

  /** Every command and subcommand documents itself with examples and a description. */
  @Test
  void everyCommandHasHelpWithExamples() {
    List<String> missing = new java.util.ArrayList<>();
    walk(CalyxCtl.commandLine(), missing);
    assertThat(missing).isEmpty();
  }

  private static void walk(picocli.CommandLine cmd, List<String> missing) {
    var spec = cmd.getCommandSpec();
    boolean group = !cmd.getSubcommands().isEmpty();
    boolean hidden = spec.usageMessage().hidden();
    if (!hidden && spec.usageMessage().description().length == 0) {
      missing.add(spec.qualifiedName() + ": no description");
    }
    if (!hidden && !group) {
      // Asked the way an operator asks: calyxctl ipam check --help
      String[] words = spec.qualifiedName().split(" ");
      List<String> args = new java.util.ArrayList<>(List.of(words).subList(1, words.length));
      args.add("--help");
      Run help = run(args.toArray(String[]::new));
      if (help.code() != 0 || !help.out().startsWith("Usage: " + spec.qualifiedName()) || !help.out().contains("Examples:")) {
        missing.add(spec.qualifiedName() + " --help: exit " + help.code() + (help.err().isEmpty() ? ", no examples" : ", " + help.err().strip()));
      }
    }
    cmd.getSubcommands().values().stream().distinct().forEach(c -> walk(c, missing));
  }

  @Test
  void countsReadLikeCalicoctlsHumanUnits() {
    assertThat(Table.count(java.math.BigInteger.valueOf(65_536))).isEqualTo("65536");
    assertThat(Table.count(java.math.BigInteger.ONE.shiftLeft(24))).isEqualTo("16.8M");
    assertThat(Table.count(java.math.BigInteger.ONE.shiftLeft(64))).isEqualTo("18.4E");
    assertThat(Table.count(java.math.BigInteger.ONE.shiftLeft(100))).isEqualTo("1.3e+30");
    assertThat(Table.percent(3, java.math.BigInteger.ONE.shiftLeft(64))).isEqualTo("0%");
  }
}
