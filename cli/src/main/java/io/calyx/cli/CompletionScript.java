package io.calyx.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.AutoComplete;

/**
 * Writes the bash completion script of calyxctl; the dist build runs it so the install tree ships
 * {@code share/bash-completion/completions/calyxctl}, generated from the same command classes it completes.
 * Unlike picocli's own {@code AutoComplete} main, a failure here fails the build.
 */
public final class CompletionScript {
  private CompletionScript() {}

  /** The script's text. */
  public static String bash() {
    return AutoComplete.bash("calyxctl", CalyxCtl.commandLine());
  }

  /** {@code CompletionScript OUTPUT-FILE}. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: CompletionScript OUTPUT-FILE");
    }
    Path out = Path.of(args[0]);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, bash(), StandardCharsets.UTF_8);
  }
}
