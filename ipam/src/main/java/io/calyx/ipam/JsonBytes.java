package io.calyx.ipam;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.Arrays;

/**
 * A JSON document written straight into a byte array, for the one document every allocation writes in
 * full: the block. Printable ASCII is written byte per char, anything else escaped by Jackson's own
 * encoder (either way the text is what Jackson's generator writes), and a string that is written again and
 * again (an allocation's handle) is escaped once by its owner and copied in ({@link #quoted}).
 * Measured with JFR at concurrency 1, Jackson's generator spent a fifth of the allocator's CPU per allocation on the block's 64 allocations; this is a copy per field.
 */
final class JsonBytes {
  private byte[] buf;
  private int len;

  JsonBytes(int sizeHint) {
    buf = new byte[Math.max(64, sizeHint)];
  }

  /** {@code text} as a JSON string, quotes included, UTF-8: what {@link #quoted} takes. */
  static byte[] quote(String text) {
    byte[] inner = plain(text) ? text.getBytes(java.nio.charset.StandardCharsets.US_ASCII)
        : JsonStringEncoder.getInstance().quoteAsUTF8(text);
    byte[] out = new byte[inner.length + 2];
    out[0] = '"';
    System.arraycopy(inner, 0, out, 1, inner.length);
    out[out.length - 1] = '"';
    return out;
  }

  /** Text that needs no escaping (punctuation, field names chosen by calyx), byte per char. */
  JsonBytes ascii(String text) {
    ensure(text.length());
    for (int i = 0; i < text.length(); i++) {
      buf[len++] = (byte) text.charAt(i);
    }
    return this;
  }

  /**
   * Whether {@code text} is printable ASCII without a quote or a backslash: written byte per char, as
   * Jackson writes it, without its encoder's buffers (the handle record's nine strings per allocation all
   * are, in practice).
   */
  private static boolean plain(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /** A string value, escaped. */
  JsonBytes string(String text) {
    return plain(text) ? ascii("\"").ascii(text).ascii("\"") : quoted(quote(text));
  }

  /** A string value already quoted and escaped by {@link #quote}. */
  JsonBytes quoted(byte[] quoted) {
    ensure(quoted.length);
    System.arraycopy(quoted, 0, buf, len, quoted.length);
    len += quoted.length;
    return this;
  }

  JsonBytes number(long value) {
    if (value < 0) {
      return ascii(Long.toString(value));
    }
    ensure(20);
    int start = len;
    do {
      buf[len++] = (byte) ('0' + value % 10);
      value /= 10;
    } while (value > 0);
    for (int i = start, j = len - 1; i < j; i++, j--) {
      byte t = buf[i];
      buf[i] = buf[j];
      buf[j] = t;
    }
    return this;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  private void ensure(int more) {
    if (len + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }
  }
}
