package io.calyx.core.mesos;

import io.calyx.core.net.IpAddress;
import io.calyx.core.net.IpFamily;
import java.util.Optional;

/**
 * One entry of Mesos' {@code NetworkInfo.ip_addresses}: a request for an address of a family, optionally a
 * specific one (a static IP request).
 */
public record IpAddressRequest(IpFamily family, Optional<IpAddress> address) {}
