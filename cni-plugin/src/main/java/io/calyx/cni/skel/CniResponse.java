package io.calyx.cni.skel;

import java.nio.charset.StandardCharsets;

/**
 * What the executable prints and exits with, and a one-line summary for the agent's request log.
 *
 * @param exitCode 0 on success, 1 on a CNI error
 * @param stdout the result or error JSON (empty for a successful DEL, CHECK, STATUS, GC)
 * @param stderr a short note for the runtime's log (Mesos quotes it in task failure messages); may be empty
 * @param summary e.g. {@code "ok"} or {@code "error 7: name is required"}
 */
public record CniResponse(int exitCode, byte[] stdout, String stderr, String summary) {
  public String stdoutText() {
    return new String(stdout, StandardCharsets.UTF_8);
  }
}
