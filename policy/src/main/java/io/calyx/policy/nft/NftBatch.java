package io.calyx.policy.nft;

import java.util.List;

/**
 * Commands applied as one nftables transaction: all of them or none. The script is one command per line,
 * in order; nft checks each against the effect of the ones before it.
 */
public record NftBatch(List<NftCommand> commands) {
  public NftBatch {
    commands = List.copyOf(commands);
  }

  public boolean isEmpty() {
    return commands.isEmpty();
  }

  public String script() {
    StringBuilder sb = new StringBuilder(commands.size() * 64);
    for (NftCommand c : commands) {
      sb.append(c.text()).append('\n');
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return script();
  }
}
