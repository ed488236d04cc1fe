package io.calyx.netns;

/**
 * A network interface as rtnetlink reports it.
 *
 * @param index the interface index
 * @param name the interface name
 * @param mac the hardware address ({@code aa:bb:cc:dd:ee:ff}; empty for none)
 * @param mtu the MTU
 * @param up whether IFF_UP is set
 * @param kind the link kind ({@code veth}, ...; empty when the kernel does not say)
 */
public record Link(int index, String name, String mac, int mtu, boolean up, String kind) {}
