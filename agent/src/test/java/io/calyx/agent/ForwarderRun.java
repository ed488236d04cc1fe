package io.calyx.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.calyx.cni.spec.Json;
import io.calyx.testkit.Commands;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs the real native forwarder with an emptied environment, as Mesos does, and captures its outcome. */
public record ForwarderRun(int exit, String stdout, String stderr, Duration took) {
  public static final Path BINARY = Path.of(System.getProperty("calyx.forwarder", "../cni-plugin/target/native/calyx"));

  public static ForwarderRun run(List<String> prefix, Path binary, Map<String, String> env, String stdin) {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of("env", "-i"));
    env.forEach((k, v) -> cmd.add(k + "=" + v));
    cmd.add(binary.toAbsolutePath().toString());
    Commands.Timed t = Commands.runWithStdin(cmd, stdin.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(60));
    return new ForwarderRun(t.exitCode(), t.stdout(), t.stderr(), t.took());
  }

  public static ForwarderRun run(Map<String, String> env, String stdin) {
    return run(List.of(), BINARY, env, stdin);
  }

  public JsonNode json() {
    assertThat(stdout.strip().lines()).as(stdout).hasSize(1);
    return Json.parse(stdout.getBytes(StandardCharsets.UTF_8), "stdout");
  }

  /** Asserts exit 1 and one CNI error JSON with {@code code}; returns it. */
  public JsonNode error(int code) {
    assertThat(exit).as(stdout + stderr).isEqualTo(1);
    JsonNode e = json();
    assertThat(e.get("code").intValue()).as(stdout).isEqualTo(code);
    return e;
  }
}
