package io.calyx.cni.wire;

import io.calyx.cni.request.Role;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The frame the native forwarders ({@code bin/calyx}, {@code bin/calyx-ipam}, {@code src/main/c/forwarder.c})
 * exchange with the agent over its unix socket. All integers are unsigned 32-bit big-endian.
 *
 * <pre>
 * request: magic "CLX1" | role u8 (0 calyx, 1 calyx-ipam) | budget_ms | env_len | env (KEY=VALUE\0 ...) | stdin_len | stdin
 * reply:   magic "CLX1" | exit_code | stdout_len | stdout | stderr_len | stderr
 * </pre>
 *
 * {@code budget_ms} is how long the forwarder will wait for the reply; the agent finishes or rolls back
 * before then. Sizes are bounded on both sides. One frame per connection: the reader may buffer ahead.
 */
public final class ForwarderProtocol {
  public static final int MAGIC = 0x434C5831;
  public static final int MAX_ENV = 64 * 1024;
  public static final int MAX_STDIN = 1024 * 1024;
  public static final int MAX_STDOUT = 4 * 1024 * 1024;
  public static final int MAX_STDERR = 64 * 1024;

  private ForwarderProtocol() {}

  /** A forwarded invocation. */
  public record Request(Role role, int budgetMillis, Map<String, String> env, byte[] stdin) {}

  /** The agent's answer: what the forwarder prints and exits with. */
  public record Reply(int exitCode, byte[] stdout, byte[] stderr) {}

  /** A frame that breaks the protocol (wrong magic, oversized, truncated). */
  public static final class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
      super(message);
    }
  }

  public static Request readRequest(InputStream raw) throws IOException {
    DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 16 * 1024));
    readMagic(in);
    int role = in.readUnsignedByte();
    if (role > 1) {
      throw new ProtocolException("unknown role " + role);
    }
    int budget = in.readInt();
    byte[] env = readBlock(in, MAX_ENV, "environment");
    byte[] stdin = readBlock(in, MAX_STDIN, "stdin");
    return new Request(Role.fromWire(role), Math.max(0, budget), decodeEnv(env), stdin);
  }

  public static void writeRequest(OutputStream raw, Request request) throws IOException {
    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 16 * 1024));
    out.writeInt(MAGIC);
    out.writeByte(request.role().wireCode());
    out.writeInt(request.budgetMillis());
    writeBlock(out, encodeEnv(request.env()));
    writeBlock(out, request.stdin());
    out.flush();
  }

  public static Reply readReply(InputStream raw) throws IOException {
    DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 16 * 1024));
    readMagic(in);
    int exit = in.readInt();
    byte[] stdout = readBlock(in, MAX_STDOUT, "stdout");
    byte[] stderr = readBlock(in, MAX_STDERR, "stderr");
    return new Reply(exit, stdout, stderr);
  }

  public static void writeReply(OutputStream raw, Reply reply) throws IOException {
    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 16 * 1024));
    out.writeInt(MAGIC);
    out.writeInt(reply.exitCode());
    writeBlock(out, reply.stdout());
    byte[] err = reply.stderr().length > MAX_STDERR ? java.util.Arrays.copyOf(reply.stderr(), MAX_STDERR) : reply.stderr();
    writeBlock(out, err);
    out.flush();
  }

  private static void readMagic(DataInputStream in) throws IOException {
    int magic;
    try {
      magic = in.readInt();
    } catch (EOFException e) {
      throw new ProtocolException("connection closed before a frame");
    }
    if (magic != MAGIC) {
      throw new ProtocolException(String.format("bad magic 0x%08x (not a calyx forwarder frame)", magic));
    }
  }

  private static byte[] readBlock(DataInputStream in, int max, String what) throws IOException {
    long len = Integer.toUnsignedLong(in.readInt());
    if (len > max) {
      throw new ProtocolException(what + " of " + len + " bytes exceeds the limit of " + max);
    }
    byte[] b = new byte[(int) len];
    in.readFully(b);
    return b;
  }

  private static void writeBlock(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  static Map<String, String> decodeEnv(byte[] env) {
    Map<String, String> out = new LinkedHashMap<>();
    int start = 0;
    for (int i = 0; i <= env.length; i++) {
      if (i == env.length || env[i] == 0) {
        if (i > start) {
          String entry = new String(env, start, i - start, StandardCharsets.UTF_8);
          int eq = entry.indexOf('=');
          if (eq > 0) {
            out.put(entry.substring(0, eq), entry.substring(eq + 1));
          }
        }
        start = i + 1;
      }
    }
    return out;
  }

  static byte[] encodeEnv(Map<String, String> env) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    env.forEach((k, v) -> {
      out.writeBytes((k + "=" + v).getBytes(StandardCharsets.UTF_8));
      out.write(0);
    });
    return out.toByteArray();
  }
}
