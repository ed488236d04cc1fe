package io.calyx.ipam;

/**
 * An allocation calyx cannot make, with a message an operator can act on. The kind decides the CNI code
 * at the edge.
 */
public final class IpamException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why an allocation failed. */
  public enum Kind {
    /** No enabled pool of the family (or none of the requested pools exists). */
    NO_POOL,
    /** Every block of the eligible pools is claimed and this host's blocks are full. */
    POOL_EXHAUSTED,
    /** A requested address is in use, outside every pool, or in another host's block. */
    ADDRESS_UNAVAILABLE,
    /** The block kept changing under us (other writers) beyond the retry budget. */
    CONTENTION
  }

  private final Kind kind;

  public IpamException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
