package io.calyx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
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
}
