package io.calyx.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.calyx.testkit.Host;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every shell block of tutorials/*.md, run by {@code tutorials/test.sh} against this build's tree in its
 * sandbox (private namespaces and overlays: the machine is not touched), one dynamic test per block: a block
 * that ran passes, one that failed (or was never reached) fails with its output, one marked
 * {@code needs=F} for a feature this build lacks, or {@code cluster} (shown only; its {@code local}
 * equivalent is the next block), is reported as skipped with the reason.
 */
class TutorialsIT {
  private static final Path REPO = Path.of(System.getProperty("calyx.repo", "..")).toAbsolutePath().normalize();
  private static final Pattern BEGIN = Pattern.compile("^@@begin (\\S+)$");
  private static final Pattern RESULT = Pattern.compile("^@@result (\\S+) (ran|failed|skipped|cluster|not-run) ?(.*)$");

  private record Block(String id, String status, String reason, String output) {}

  @TestFactory
  Stream<DynamicTest> everyShellBlockOfTheTutorials() throws Exception {
    Assumptions.assumeTrue(Host.isRoot(), "needs root: the tutorials run in network, mount and PID namespaces");
    for (String tool : List.of("unshare", "etcd", "etcdctl", "openssl", "nft", "ip", "ping")) {
      Assumptions.assumeTrue(Host.which(tool).isPresent(), "needs " + tool + " on PATH (the tutorials use it)");
    }
    ProcessBuilder builder = new ProcessBuilder(REPO.resolve("tutorials/test.sh").toString()).redirectErrorStream(true).directory(REPO.toFile());
    builder.environment().put("CALYX_TREE", InstallTreeIT.TREE.toString());
    Process p = builder.start();
    p.getOutputStream().close();
    var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    });
    if (!p.waitFor(15, TimeUnit.MINUTES)) {
      p.destroyForcibly(); // test.sh's sandbox dies with it (unshare --kill-child, PID namespace)
      Assertions.fail("tutorials/test.sh did not finish within 15 minutes");
    }
    String output = out.join();
    Assumptions.assumeFalse(p.exitValue() == 3, () -> "this machine cannot give the tutorials' sandbox: "
        + output.lines().filter(l -> l.startsWith("@@sandbox-unavailable") || l.contains("unshare")).findFirst().orElse(output.strip()));
    assertThat(p.exitValue()).as("tutorials/test.sh exit status (2: malformed tutorials or setup):\n" + output).isNotEqualTo(2);
    List<Block> blocks = parse(output);
    assertThat(blocks).extracting(b -> b.id().substring(0, b.id().indexOf(':'))).as("blocks of every tutorial ran")
        .contains("tutorials/1-prepare-hosts.md", "tutorials/2-etcd.md", "tutorials/3-install.md", "tutorials/4-marathon.md",
            "tutorials/5-policy.md", "tutorials/6-operate.md", "tutorials/7-upgrade-uninstall.md");
    Files.writeString(Path.of("target/tutorials-output.txt"), output);
    return blocks.stream().map(b -> DynamicTest.dynamicTest(b.id(), () -> {
      switch (b.status()) {
        case "ran" -> { }
        case "skipped" -> Assumptions.abort(b.reason());
        case "cluster" -> Assumptions.abort("needs a real cluster (shown only); its local equivalent, the next block, runs");
        default -> Assertions.fail(b.id() + " " + b.status() + " " + b.reason() + "\n" + b.output());
      }
    }));
  }

  /** The blocks in order with their status and what they printed. */
  private static List<Block> parse(String output) {
    Map<String, Block> blocks = new LinkedHashMap<>();
    StringBuilder current = new StringBuilder();
    for (String line : output.lines().toList()) {
      Matcher begin = BEGIN.matcher(line);
      Matcher result = RESULT.matcher(line);
      if (begin.matches()) {
        current.setLength(0);
      } else if (result.matches()) {
        blocks.putIfAbsent(result.group(1), new Block(result.group(1), result.group(2), result.group(3), current.toString()));
        current.setLength(0);
      } else {
        current.append(line).append('\n');
      }
    }
    return new ArrayList<>(blocks.values());
  }
}
