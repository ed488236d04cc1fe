package io.calyx.agent.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Random;

/**
 * Sizes of the fault-injection suite and where its figures go. {@code -Dcalyx.faults=full} selects the full
 * sizes (the issue's: 200 containers, 100 crash iterations, ...); without it the reduced CI sizes apply. Each
 * size can be set on its own: {@code -Dcalyx.faults.<name>=N}. {@code -Dcalyx.faults.seed=S} replays a run.
 */
final class FaultConfig {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FaultConfig() {}

  static boolean full() {
    return "full".equals(System.getProperty("calyx.faults", "ci"));
  }

  /** The size {@code name}: its own property, else the full or the CI value. */
  static int size(String name, int ci, int full) {
    String own = System.getProperty("calyx.faults." + name);
    return own != null ? Integer.parseInt(own.strip()) : full() ? full : ci;
  }

  /** The run's seed (printed with every figure and failure). */
  static long seed() {
    String s = System.getProperty("calyx.faults.seed");
    return s != null ? Long.parseLong(s.strip()) : new Random().nextLong();
  }

  /**
   * Records a scenario's figures: one JSON line appended to {@code target/faults-figures.jsonl} (the
   * numbers docs/reliability.md quotes) and printed.
   */
  static void record(String scenario, long seed, long operations, long faults, long invariants, long violations, long millis,
      String detail) {
    ObjectNode line = JSON.createObjectNode()
        .put("at", Instant.now().toString()).put("scenario", scenario).put("mode", full() ? "full" : "ci").put("seed", seed)
        .put("operations", operations).put("faults", faults).put("invariants", invariants).put("violations", violations)
        .put("ms", millis).put("detail", detail);
    System.out.println("faults: " + line);
    try {
      Files.writeString(Path.of("target", "faults-figures.jsonl"), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      System.out.println("faults: cannot write target/faults-figures.jsonl: " + e);
    }
  }
}
