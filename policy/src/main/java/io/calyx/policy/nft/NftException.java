package io.calyx.policy.nft;

/**
 * nftables refused a batch (nothing of it was applied) or could not be reached. The message carries nft's
 * own error text, which names the failing command and marks the offending part.
 */
public final class NftException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String nftMessage;

  public NftException(String what, String nftMessage) {
    super(what + ": " + nftMessage.strip());
    this.nftMessage = nftMessage;
  }

  public NftException(String what, Throwable cause) {
    super(what + ": " + cause.getMessage(), cause);
    this.nftMessage = String.valueOf(cause.getMessage());
  }

  /** nft's error output as it printed it (e.g. {@code Error: Could not process rule: No such file or directory ...}). */
  public String nftMessage() {
    return nftMessage;
  }
}
