package io.calyx.policy.render;

/**
 * An endpoint on this host: its host veth (validated, see {@link Names#requireVeth}), the key of its
 * endpoint record (what identifies it cluster-wide), and its membership.
 */
public record LocalEndpoint(String veth, String key, Member member) {
  public LocalEndpoint {
    Names.requireVeth(veth);
  }
}
