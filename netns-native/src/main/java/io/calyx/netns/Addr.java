package io.calyx.netns;

import io.calyx.core.net.IpPrefix;

/** An interface address: {@code ip addr}. */
public record Addr(int index, IpPrefix prefix, int scope) {}
