package io.calyx.testkit;

import java.nio.file.Path;
import java.util.List;

/**
 * A network namespace a test created (named, under {@code /var/run/netns}), deleted after the test.
 *
 * @param name the {@code ip netns} name
 */
public record Netns(String name) {
  /** The path a CNI runtime passes as {@code CNI_NETNS}. */
  public Path path() {
    return Path.of("/var/run/netns", name);
  }

  /** Runs a command inside the namespace ({@code ip netns exec NAME ...}); arguments are never a shell string. */
  public Commands.Output exec(String... command) {
    List<String> cmd = new java.util.ArrayList<>(List.of("ip", "netns", "exec", name));
    cmd.addAll(List.of(command));
    return Commands.run(cmd, 30);
  }
}
