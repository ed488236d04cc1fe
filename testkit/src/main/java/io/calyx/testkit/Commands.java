package io.calyx.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command (argument list, never a shell string) with a time limit and returns its output. */
public final class Commands {
  private Commands() {}

  /** The outcome of a finished command. */
  public record Output(int exitCode, String stdout, String stderr) {
    public Output requireSuccess(List<String> command) {
      if (exitCode != 0) {
        throw new IllegalStateException(String.join(" ", command) + " exited " + exitCode + ": " + stderr.strip());
      }
      return this;
    }
  }

  public static Output run(List<String> command, long timeoutSeconds) {
    try {
      Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      var out = p.getInputStream();
      var err = p.getErrorStream();
      var outF = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(out));
      var errF = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(err));
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
      }
      return new Output(p.exitValue(), outF.join(), errF.join());
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    }
  }

  /** Runs and requires exit status 0. */
  public static Output check(List<String> command) {
    return run(command, 30).requireSuccess(command);
  }

  private static String readAll(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** The outcome of a command fed on stdin, with its wall time. */
  public record Timed(int exitCode, String stdout, String stderr, java.time.Duration took) {}

  /**
   * Runs {@code command} from {@code /}, writes {@code stdin} to it (a command that stops reading early is
   * fine), and waits at most {@code timeout}.
   */
  public static Timed runWithStdin(List<String> command, byte[] stdin, java.time.Duration timeout) {
    long start = System.nanoTime();
    try {
      Process p = new ProcessBuilder(command).directory(new java.io.File("/")).start();
      var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
      var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
      try (var in = p.getOutputStream()) {
        in.write(stdin);
      } catch (IOException e) {
        // the command stopped reading its input (e.g. refused an oversized one)
      }
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout.toSeconds() + " s");
      }
      return new Timed(p.exitValue(), out.join(), err.join(), java.time.Duration.ofNanos(System.nanoTime() - start));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    }
  }
}
