package io.calyx.ipam;

import io.calyx.core.net.IpPrefix;
import java.time.Instant;

/**
 * "Host H owns block B": the index that lets a host find its blocks (and routes follow) without reading
 * every block. Written in the same transaction that creates the block.
 */
public record Affinity(String host, IpPrefix block, Instant claimed) {}
