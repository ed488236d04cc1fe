package io.calyx.ipam;

import io.calyx.core.HandleId;

/**
 * Who holds one address of a block: only the handle, to keep the block document (rewritten by every
 * allocation) small; when, by which plugin and on which node are in the handle record.
 *
 * <p>Carries the handle's text form, as the block document writes it, made once here: a block is encoded
 * for every transaction that changes it, with all of its allocations. (A class, not a record: a record's
 * public canonical constructor would let text and handle disagree, or make every construction check it.)
 */
public final class Allocation {
  private final HandleId handle;
  private final String text;
  /** The text as a JSON string, quoted and UTF-8 (see {@link Codec#encode(Block)}); never written after. */
  private final byte[] quotedText;

  /** @param handle the holder (network, container, interface) */
  public Allocation(HandleId handle) {
    this.handle = handle;
    this.text = handle.toString();
    this.quotedText = JsonBytes.quote(text);
  }

  public HandleId handle() {
    return handle;
  }

  /** The handle's text form. */
  public String text() {
    return text;
  }

  /** The text form as a JSON string (quotes included), for the block document; not to be modified. */
  byte[] quotedText() {
    return quotedText;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Allocation a && handle.equals(a.handle);
  }

  @Override
  public int hashCode() {
    return handle.hashCode();
  }

  @Override
  public String toString() {
    return "Allocation[" + text + "]";
  }
}
